package redisadapter

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/parser"
)

// streamsAdapter is the cluster adapter of a namespace in ModeStreams. On
// top of adapter.Cluster it numbers broadcasts with their stream entry ids
// and keeps the sessions of disconnected sockets in Redis, so that a
// client recovers on any node (adapter.SessionStore), as Node's
// RedisStreamsAdapter does.
type streamsAdapter struct {
	*adapter.Cluster
	t      *streams
	prefix string       // session keys: prefix + pid
	ttl    atomic.Int64 // maxDisconnectionDuration; 0 until EnableRecovery

	keepEvery          time.Duration // Options.KeepSessions
	keepStop, keepDone chan struct{}
}

var (
	_ adapter.SessionStore  = (*streamsAdapter)(nil)
	_ adapter.RecoveryAware = (*streamsAdapter)(nil)
	_ adapter.SessionKeeper = (*streamsAdapter)(nil)
)

// restoreMaxCalls bounds the XRANGE calls of one restore, as Node's
// RESTORE_SESSION_MAX_XRANGE_CALLS; restoreCount bounds each call.
const (
	restoreMaxCalls = 100
	restoreCount    = 1000
)

// EnableRecovery implements adapter.RecoveryAware.
func (a *streamsAdapter) EnableRecovery(d time.Duration) {
	a.ttl.Store(int64(d))
	a.t.recovering.Store(true)
}

// Broadcast implements adapter.Adapter. With recovery on, a broadcast to
// other nodes is appended to the stream first and reaches the local
// sockets once written, with its entry id as last argument when clients
// may have to recover it, as Node's ClusterAdapter.broadcast (which awaits
// the XADD) does. The caller does not wait: the local delivery runs on the
// stream's writer, in stream order. When the append fails the local
// sockets still get the packet, without an offset, as in Node.
func (a *streamsAdapter) Broadcast(p *parser.Packet, opts *adapter.BroadcastOptions) {
	if !a.t.recovering.Load() || opts.Flags.Local {
		a.Cluster.Broadcast(p, opts)
		return
	}
	stored := adapter.Stored(p, opts.Flags)
	err := a.t.publishThen(&adapter.Message{UID: a.UID(), Type: adapter.MsgBroadcast, Packet: p, Opts: opts}, func(id string, err error) {
		q := p
		if err != nil {
			a.t.logger.Warn("redis adapter: broadcast not appended to the stream", "nsp", a.t.nsp, "err", err)
		} else if stored {
			q = adapter.WithOffset(p, id)
		}
		a.Memory.Broadcast(q, opts)
	})
	if err != nil {
		a.t.logger.Warn("redis adapter: broadcast not queued for the stream", "nsp", a.t.nsp, "err", err)
		a.Memory.Broadcast(p, opts)
	}
}

// wireSession is a session as Node's socket.io persists it: msgpack of
// {sid, pid, rooms, data}, in base64.
type wireSession struct {
	SID   string   `msgpack:"sid"`
	PID   string   `msgpack:"pid"`
	Rooms []string `msgpack:"rooms"`
	Data  any      `msgpack:"data"`
}

// PersistSession implements adapter.SessionStore: SET sio:session:<pid>
// PX maxDisconnectionDuration, queued behind the stream's writes.
func (a *streamsAdapter) PersistSession(s *adapter.Session) {
	ttl := time.Duration(a.ttl.Load())
	if ttl <= 0 {
		return
	}
	raw, err := marshalMsgpack(wireSession{SID: s.SID, PID: s.PID, Rooms: nonNil(s.Rooms), Data: plainData(s.Data)})
	if err != nil {
		a.t.logger.Warn("redis adapter: session not persisted", "sid", s.SID, "err", err)
		return
	}
	key, val := a.prefix+s.PID, base64.StdEncoding.EncodeToString(raw)
	err = a.t.log.enqueue(job{size: int64(len(key) + len(val)), cmd: func(ctx context.Context, p goredis.Pipeliner) goredis.Cmder {
		return p.Set(ctx, key, val, ttl)
	}})
	if err != nil {
		a.t.logger.Warn("redis adapter: session not persisted", "sid", s.SID, "err", err)
	}
}

// plainData converts a socket's data to the values Node would see: what
// its JSON form decodes to (a Go struct becomes a map).
func plainData(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	out, err := adapter.DecodeJSONValue(b)
	if err != nil {
		return nil
	}
	return out
}

var offsetPattern = regexp.MustCompile(`^[0-9]+-[0-9]+$`)

// RestoreSession implements adapter.SessionStore as Node's restoreSession:
// the session is read and deleted in one MULTI (so it is restored once),
// the offset must still be an entry of the stream, and the missed packets
// are the broadcasts of the namespace after it that reach the session's
// rooms, each with its entry id as last argument.
func (a *streamsAdapter) RestoreSession(ctx context.Context, pid, offset string) (*adapter.Session, []*parser.Packet, error) {
	if !offsetPattern.MatchString(offset) {
		return nil, nil, nil
	}
	var get *goredis.StringCmd
	var at *goredis.XMessageSliceCmd
	_, err := a.t.log.client.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		get = p.Get(ctx, a.prefix+pid)
		p.Del(ctx, a.prefix+pid)
		at = p.XRange(ctx, a.t.log.name, offset, offset)
		return nil
	})
	if err != nil && err != goredis.Nil {
		return nil, nil, err
	}
	raw, _ := get.Result()
	if raw == "" || len(at.Val()) == 0 {
		return nil, nil, nil
	}
	s, err := decodeSession(raw)
	if err != nil {
		return nil, nil, nil
	}
	missed, err := a.missed(ctx, s, offset)
	if err != nil {
		return nil, nil, err
	}
	return s, missed, nil
}

func decodeSession(raw string) (*adapter.Session, error) {
	b, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return nil, err
	}
	v, err := unmarshalMsgpack(b)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("redis adapter: session is %T", v)
	}
	s := &adapter.Session{SID: str(m["sid"]), PID: str(m["pid"]), Rooms: roomList(m["rooms"]), Data: m["data"]}
	if s.SID == "" {
		return nil, errMalformed
	}
	return s, nil
}

// missed reads the stream after offset for the packets s missed.
func (a *streamsAdapter) missed(ctx context.Context, s *adapter.Session, offset string) ([]*parser.Packet, error) {
	var out []*parser.Packet
	for range restoreMaxCalls {
		entries, err := a.t.log.client.XRangeN(ctx, a.t.log.name, nextOffset(offset), "+", restoreCount).Result()
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			offset = e.ID
			if str(e.Values["nsp"]) != a.t.nsp || str(e.Values["type"]) != "3" {
				continue
			}
			m, err := decodeEntry(a.t.nsp, e.Values)
			if err != nil || m.Packet == nil || m.Opts == nil {
				continue
			}
			if adapter.Reaches(s.Rooms, m.Opts.Rooms, m.Opts.Except) {
				out = append(out, adapter.WithOffset(m.Packet, e.ID))
			}
		}
		if len(entries) < restoreCount {
			break
		}
	}
	return out, nil
}

// nextOffset is the id right after offset (Node's nextOffset: exclusive
// ranges need Redis 6.2).
func nextOffset(offset string) string {
	ts, seq, _ := strings.Cut(offset, "-")
	n, _ := strconv.ParseUint(seq, 10, 64)
	return ts + "-" + strconv.FormatUint(n+1, 10)
}

// KeepSessions implements adapter.SessionKeeper when Options.KeepSessions
// is set: every interval, the sessions of the connected sockets are
// persisted again, so that they outlive a node that dies without
// persisting them.
func (a *streamsAdapter) KeepSessions(list func() []*adapter.Session) bool {
	if a.keepEvery <= 0 {
		return false
	}
	a.keepStop = make(chan struct{})
	a.keepDone = make(chan struct{})
	go a.keepLoop(list)
	return true
}

func (a *streamsAdapter) keepLoop(list func() []*adapter.Session) {
	defer close(a.keepDone)
	t := time.NewTicker(a.keepEvery)
	defer t.Stop()
	for {
		select {
		case <-a.keepStop:
			return
		case <-t.C:
			for _, s := range list() {
				a.PersistSession(s)
			}
		}
	}
}

// DiscardSession implements adapter.SessionKeeper: DEL of the session,
// queued behind the writes before it.
func (a *streamsAdapter) DiscardSession(pid string) {
	key := a.prefix + pid
	_ = a.t.log.enqueue(job{size: int64(len(key)), cmd: func(ctx context.Context, p goredis.Pipeliner) goredis.Cmder {
		return p.Del(ctx, key)
	}})
}

// Close implements adapter.Adapter: the keeper stops first.
func (a *streamsAdapter) Close() error {
	if a.keepStop != nil {
		close(a.keepStop)
		<-a.keepDone
		a.keepStop = nil
	}
	return a.Cluster.Close()
}

var _ adapter.CatchUp = (*streamsAdapter)(nil)

// Missed implements adapter.CatchUp: the stream after offset, as a
// restore reads it.
func (a *streamsAdapter) Missed(ctx context.Context, s *adapter.Session, offset string) ([]*parser.Packet, error) {
	if !offsetPattern.MatchString(offset) {
		return nil, nil
	}
	return a.missed(ctx, s, offset)
}

// OffsetAfter implements adapter.CatchUp: stream ids ("ms-seq") compared
// as numbers; a malformed id comes after nothing.
func (a *streamsAdapter) OffsetAfter(x, y string) bool {
	xm, xs, okx := parseStreamID(x)
	ym, ys, oky := parseStreamID(y)
	return okx && oky && (xm > ym || xm == ym && xs > ys)
}

func parseStreamID(id string) (ms, seq uint64, ok bool) {
	a, b, found := strings.Cut(id, "-")
	ms, err1 := strconv.ParseUint(a, 10, 64)
	seq, err2 := strconv.ParseUint(b, 10, 64)
	return ms, seq, found && err1 == nil && err2 == nil
}
