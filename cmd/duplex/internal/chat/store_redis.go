package chat

import (
	"context"
	"encoding/json"
	"errors"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// The chat's keys in Redis, under Options.RedisPrefix (P):
//
//	P session:<sha256 of token>   a session's JSON, expiring after SessionTTL
//	P sessions                    zset: session hash -> expiry (ms)
//	P session-sizes               hash: session hash -> bytes
//	P session-bytes               bytes of all sessions
//	P history:<room>              list: the room's messages (JSON), oldest first
//	P history-rooms               zset: room -> last message (ms)
//	P history-sizes               hash: room -> bytes of its list
//	P history-bytes               bytes of all histories
//
// Scripts keep each bound in one atomic step: past SessionBytes the
// sessions expiring first go; past HistorySize messages or
// HistoryRoomBytes a room's oldest messages go; past HistoryBytes or
// MaxRooms the history of the room quiet the longest goes. The scripts
// build key names from the prefix, so the Redis must be a single instance
// (or a cluster whose keys share one hash slot: a prefix with {braces}).

// saveSessionScript: ARGV prefix, hash, JSON, ttl ms, now ms, max bytes.
var saveSessionScript = redis.NewScript(dropSessionLua + `
local p, h, v = ARGV[1], ARGV[2], ARGV[3]
local ttl, now, max = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
drop(p, h)
for _, old in ipairs(redis.call('ZRANGEBYSCORE', p..'sessions', '-inf', now, 'LIMIT', 0, 100)) do drop(p, old) end
local size = #v + 128
redis.call('SET', p..'session:'..h, v, 'PX', ttl)
redis.call('ZADD', p..'sessions', now + ttl, h)
redis.call('HSET', p..'session-sizes', h, size)
local total = redis.call('INCRBY', p..'session-bytes', size)
while total > max do
  local old = redis.call('ZRANGE', p..'sessions', 0, 0)
  if #old == 0 or old[1] == h then break end
  total = drop(p, old[1])
end
return total`)

// removeSessionScript: ARGV prefix, hash.
var removeSessionScript = redis.NewScript(dropSessionLua + `return drop(ARGV[1], ARGV[2])`)

// dropSessionLua defines drop(prefix, hash): forget a session and its
// bytes, returning the bytes left.
const dropSessionLua = `
local function drop(p, h)
  local n = tonumber(redis.call('HGET', p..'session-sizes', h) or '0')
  redis.call('HDEL', p..'session-sizes', h)
  redis.call('ZREM', p..'sessions', h)
  redis.call('DEL', p..'session:'..h)
  return redis.call('DECRBY', p..'session-bytes', n)
end
`

// appendHistoryScript: ARGV prefix, room, JSON, max messages, room max
// bytes, total max bytes, max rooms, now ms.
var appendHistoryScript = redis.NewScript(`
local p, room, msg = ARGV[1], ARGV[2], ARGV[3]
local maxMsgs, roomMax, totalMax, maxRooms = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local key, sizes, total = p..'history:'..room, p..'history-sizes', p..'history-bytes'
local size = #msg + 1
redis.call('RPUSH', key, msg)
local bytes = redis.call('HINCRBY', sizes, room, size)
local t = redis.call('INCRBY', total, size)
local n = redis.call('LLEN', key)
while n > 1 and (n > maxMsgs or bytes > roomMax) do
  local old = redis.call('LPOP', key)
  bytes = redis.call('HINCRBY', sizes, room, -(#old + 1))
  t = redis.call('INCRBY', total, -(#old + 1))
  n = n - 1
end
redis.call('ZADD', p..'history-rooms', tonumber(ARGV[8]), room)
while t > totalMax or redis.call('ZCARD', p..'history-rooms') > maxRooms do
  local old = redis.call('ZRANGE', p..'history-rooms', 0, 0)
  if #old == 0 or old[1] == room then break end
  local b = tonumber(redis.call('HGET', sizes, old[1]) or '0')
  redis.call('DEL', p..'history:'..old[1])
  redis.call('HDEL', sizes, old[1])
  redis.call('ZREM', p..'history-rooms', old[1])
  t = redis.call('INCRBY', total, -b)
end
return t`)

// redisTimeout bounds one Redis operation of the chat: a Redis that does
// not answer costs a join its history or a reload its session, never a
// handler stuck for longer.
const redisTimeout = time.Second

// breakerPause is how long the chat leaves Redis alone after an operation
// could not reach it.
const breakerPause = 2 * time.Second

var errRedisDown = errors.New("chat: redis unreachable a moment ago: not tried")

// breaker fails the chat's Redis operations at once for breakerPause after
// one could not reach Redis. Without it, during an outage, every room
// message, join and connection waited redisTimeout (go-redis dials five
// times): TestRedisDown measured 7.7 s for a message, a connection and a
// join.
type breaker struct {
	downUntil atomic.Int64 // Unix nanoseconds
}

// do runs f unless Redis was unreachable less than breakerPause ago.
func (b *breaker) do(f func() error) error {
	if time.Now().UnixNano() < b.downUntil.Load() {
		return errRedisDown
	}
	err := f()
	var reply redis.Error // Redis answered: it is up
	// A caller that gave up (context.Canceled) says nothing of Redis: a
	// client that left mid-operation must not close Redis to the others.
	if err != nil && !errors.Is(err, redis.Nil) && !errors.As(err, &reply) && !errors.Is(err, context.Canceled) {
		b.downUntil.Store(time.Now().Add(breakerPause).UnixNano())
	}
	return err
}

// redisSessions is the sessionStore of a cluster on Redis: every node
// finds the sessions, and they outlive a restart.
type redisSessions struct {
	brk      *breaker
	rdb      redis.UniversalClient
	prefix   string
	ttl      time.Duration
	maxBytes int
	now      func() time.Time
}

func (r *redisSessions) load(ctx context.Context, hash string) (*session, error) {
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	var data []byte
	err := r.brk.do(func() (err error) {
		data, err = r.rdb.Get(ctx, r.prefix+"session:"+hash).Bytes()
		return err
	})
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var s session
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

func (r *redisSessions) save(ctx context.Context, hash string, s *session) error {
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	args := []any{r.prefix, hash, data, r.ttl.Milliseconds(), r.now().UnixMilli(), r.maxBytes}
	return r.brk.do(func() error { return saveSessionScript.Run(ctx, r.rdb, nil, args...).Err() })
}

func (r *redisSessions) remove(ctx context.Context, hash string) error {
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	return r.brk.do(func() error { return removeSessionScript.Run(ctx, r.rdb, nil, r.prefix, hash).Err() })
}

// redisHistory keeps the rooms' histories in Redis, for every node of a
// cluster and across restarts, with the bounds of the in-memory ones.
type redisHistory struct {
	brk    *breaker
	rdb    redis.UniversalClient
	prefix string
	opts   *Options
}

// append records m as the latest message of room.
func (h *redisHistory) append(room string, m Message) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), redisTimeout)
	defer cancel()
	o := h.opts
	args := []any{h.prefix, room, data, o.HistorySize, o.HistoryRoomBytes, o.HistoryBytes, o.MaxRooms, o.Now().UnixMilli()}
	return h.brk.do(func() error { return appendHistoryScript.Run(ctx, h.rdb, nil, args...).Err() })
}

// load returns the history of room, oldest first; never nil.
func (h *redisHistory) load(room string) ([]Message, error) {
	ctx, cancel := context.WithTimeout(context.Background(), redisTimeout)
	defer cancel()
	var items []string
	err := h.brk.do(func() (err error) {
		items, err = h.rdb.LRange(ctx, h.prefix+"history:"+room, 0, -1).Result()
		return err
	})
	out := make([]Message, 0, len(items))
	for _, item := range items {
		var m Message
		if json.Unmarshal([]byte(item), &m) == nil {
			out = append(out, m)
		}
	}
	return out, err
}

// recent returns up to n rooms with a history, the most recently active
// first.
func (h *redisHistory) recent(n int) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), redisTimeout)
	defer cancel()
	var rooms []string
	err := h.brk.do(func() (err error) {
		rooms, err = h.rdb.ZRevRange(ctx, h.prefix+"history-rooms", 0, int64(n)-1).Result()
		return err
	})
	return rooms, err
}
