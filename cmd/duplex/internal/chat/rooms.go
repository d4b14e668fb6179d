package chat

import (
	"container/list"
	"log/slog"
	"strings"
	"sync"

	"github.com/google/btree"
)

// evictScan is how many of the quietest rooms eviction compares: enough to
// find one with few members, and a bound on the work of one message.
const evictScan = 64

// rooms is the registry of this node's chat rooms: those with local
// members or a history. It has its own lock, never held while a packet is
// sent, and every operation costs O(log rooms) at most (the sorted index),
// so a user in 100,000 rooms slows nobody else down. Each room has its own
// lock too, which orders the messages of that room with its joins and its
// history. Lock order: rooms.mu before room.mu; a message takes them one
// after the other, never nested.
type rooms struct {
	maxMsgs, roomBytes, totalBytes, maxRooms int
	shared                                   *redisHistory // nil: histories in memory, in room.log
	log                                      *slog.Logger

	mu      sync.Mutex
	byName  map[string]*room
	index   *btree.BTreeG[string] // names, sorted, for list-rooms
	active  list.List             // *room with a message, most recent first
	history int                   // bytes of all histories
	logs    int                   // rooms with a history
}

// room is one chat room. members and elem belong to rooms.mu, log to mu.
type room struct {
	name    string
	members int           // local members
	elem    *list.Element // in rooms.active once it had a message
	mu      sync.Mutex
	log     roomLog
}

func newRooms(o *Options, shared *redisHistory) *rooms {
	return &rooms{
		maxMsgs: o.HistorySize, roomBytes: o.HistoryRoomBytes, totalBytes: o.HistoryBytes, maxRooms: o.MaxRooms,
		shared: shared, log: o.Logger,
		byName: map[string]*room{}, index: btree.NewOrderedG[string](16),
	}
}

// join counts a new local member of name, creating the room, and returns
// it and whether this node knew no room of that name before.
func (rs *rooms) join(name string) (*room, bool) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	r := rs.byName[name]
	created := r == nil
	if created {
		r = &room{name: name}
		rs.byName[name] = r
		rs.index.ReplaceOrInsert(name)
	}
	r.members++
	return r, created
}

// leave counts a member fewer; a room with neither members nor history is
// forgotten.
func (rs *rooms) leave(name string) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if r := rs.byName[name]; r != nil {
		r.members--
		rs.forgetIfEmpty(r)
	}
}

// forgetIfEmpty drops r if it has no members and no history. The caller
// holds rs.mu.
func (rs *rooms) forgetIfEmpty(r *room) {
	if r.members <= 0 && r.elem == nil {
		delete(rs.byName, r.name)
		rs.index.Delete(r.name)
	}
}

// get returns the room called name, nil if unknown.
func (rs *rooms) get(name string) *room {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.byName[name]
}

// record runs deliver and appends m to r's history under r's lock, so
// that the message reaches a joiner either live or in the history, then
// accounts for the bytes and evicts what exceeds the bounds. A history in
// Redis is written before the delivery, and read after a join (replay), so
// no lock is needed, and none is held during the round trip: a joiner
// whose read came before the write gets the message live. It may get it
// twice, live and in the history (clients skip the ids they have), but
// never miss it.
func (rs *rooms) record(r *room, m Message, deliver func()) {
	grown := 0
	if rs.shared != nil {
		if err := rs.shared.append(r.name, m); err != nil {
			rs.log.Warn("chat: recording a message in redis", "room", r.name, "err", err)
		}
		deliver()
	} else {
		size := messageSize(m)
		r.mu.Lock()
		deliver()
		grown = r.log.add(m, size, rs.maxMsgs, rs.roomBytes)
		r.mu.Unlock()
	}

	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.history += grown
	if r.elem == nil {
		r.elem = rs.active.PushFront(r)
		rs.logs++
	} else {
		rs.active.MoveToFront(r.elem)
	}
	for rs.history > rs.totalBytes || rs.logs > rs.maxRooms {
		if !rs.evict(r) {
			return
		}
	}
}

// evict forgets the history of one room other than keep, and reports
// whether it found one. Among the evictScan rooms quiet the longest it
// picks the one with the fewest members, the quietest first: junk rooms
// that a flooder fills, one member each, go before a room that people are
// in, however recently the junk was written. The caller holds rs.mu.
func (rs *rooms) evict(keep *room) bool {
	var victim *room
	n := 0
	for e := rs.active.Back(); e != nil && n < evictScan; e = e.Prev() {
		r := e.Value.(*room)
		if r == keep {
			continue
		}
		n++
		if victim == nil || r.members < victim.members {
			victim = r
		}
	}
	if victim == nil {
		return false
	}
	victim.mu.Lock()
	rs.history -= victim.log.clear()
	victim.mu.Unlock()
	rs.active.Remove(victim.elem)
	victim.elem = nil
	rs.logs--
	rs.forgetIfEmpty(victim)
	return true
}

// replay runs join and returns r's history: under r's lock in memory,
// read after join from Redis (see record).
func (rs *rooms) replay(r *room, join func()) []Message {
	if rs.shared == nil {
		r.mu.Lock()
		defer r.mu.Unlock()
		join()
		return r.log.get()
	}
	join()
	msgs, err := rs.shared.load(r.name)
	if err != nil {
		rs.log.Warn("chat: loading a history from redis", "room", r.name, "err", err)
	}
	return msgs
}

// sharedRecent returns up to n of the rooms with a history in Redis, the
// most recently active first: rooms of the whole cluster, even those with
// no member now. Without Redis it returns none.
func (rs *rooms) sharedRecent(n int) []string {
	if rs.shared == nil {
		return nil
	}
	names, err := rs.shared.recent(n)
	if err != nil {
		rs.log.Warn("chat: listing rooms in redis", "err", err)
	}
	return names
}

// recent returns up to n rooms, the most recently active first, then
// rooms with members but no message yet, in name order, and whether there
// are more: the welcome's list, at a cost in n and MaxRooms, not in the
// number of rooms.
func (rs *rooms) recent(n int) ([]string, bool) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	out := make([]string, 0, min(n, len(rs.byName)))
	for e := rs.active.Front(); e != nil && len(out) < n; e = e.Next() {
		out = append(out, e.Value.(*room).name)
	}
	rs.index.Ascend(func(name string) bool {
		if len(out) >= n {
			return false
		}
		if rs.byName[name].elem == nil {
			out = append(out, name)
		}
		return true
	})
	return out, len(rs.byName) > len(out)
}

// list returns up to n room names that start with prefix and sort after
// after, in order, and whether there are more.
func (rs *rooms) list(prefix, after string, n int) ([]string, bool) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	out := []string{}
	more := false
	rs.index.AscendGreaterOrEqual(max(prefix, after), func(name string) bool {
		if !strings.HasPrefix(name, prefix) {
			return false
		}
		if name == after {
			return true
		}
		if len(out) == n {
			more = true
			return false
		}
		out = append(out, name)
		return true
	})
	return out, more
}
