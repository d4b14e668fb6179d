package adapter

import (
	"context"
	"encoding/json"
	"slices"
	"sync"

	"github.com/duplexio/duplex/parser"
)

// Memory is the in-memory adapter: rooms and sockets in two maps that mirror
// each other, for a single node.
type Memory struct {
	ns Namespace

	mu    sync.RWMutex
	rooms map[Room]set[SocketID] // members of each room
	sids  map[SocketID]set[Room] // rooms of each socket
	watch func(Room)             // see WatchRooms
	obs   RoomObserver           // ns, when it asks to hear of memberships
}

var (
	_ Adapter     = (*Memory)(nil)
	_ RoomChecker = (*Memory)(nil)
)

// NewMemory returns the in-memory adapter of ns. It is a Factory.
func NewMemory(ns Namespace) Adapter {
	m := &Memory{ns: ns, rooms: map[Room]set[SocketID]{}, sids: map[SocketID]set[Room]{}}
	m.obs, _ = ns.(RoomObserver)
	return m
}

// WatchRooms makes m call f, with no lock held, with every room it
// creates (first member) or deletes (last member gone); f tells which with
// HasRoom, which also settles calls that race. A cluster transport uses it
// to subscribe per-room channels. Call it before m is used.
func (m *Memory) WatchRooms(f func(Room)) { m.watch = f }

// HasRoom reports whether room has local members.
func (m *Memory) HasRoom(room Room) bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	_, ok := m.rooms[room]
	return ok
}

// notify passes changed rooms to the WatchRooms function.
func (m *Memory) notify(rooms []Room) {
	for _, r := range rooms {
		m.watch(r)
	}
}

// told passes the rooms id joined and left to the RoomObserver.
func (m *Memory) told(id SocketID, joined, left []Room) {
	for _, r := range joined {
		m.obs.Joined(r, id)
	}
	for _, r := range left {
		m.obs.Left(r, id)
	}
}

// AddAll implements Adapter.
func (m *Memory) AddAll(id SocketID, rooms []Room) {
	var created, joined []Room
	m.mu.Lock()
	defer func() {
		m.mu.Unlock()
		m.notify(created)
		m.told(id, joined, nil)
	}()
	mine := m.sids[id]
	for _, r := range rooms {
		if !mine.add(r) {
			continue
		}
		if m.obs != nil {
			joined = append(joined, r)
		}
		members, ok := m.rooms[r]
		if !ok && m.watch != nil {
			created = append(created, r)
		}
		members.add(id)
		m.rooms[r] = members
	}
	m.sids[id] = mine
}

// Del implements Adapter.
func (m *Memory) Del(id SocketID, room Room) {
	var deleted, left []Room
	m.mu.Lock()
	defer func() {
		m.mu.Unlock()
		m.notify(deleted)
		m.told(id, nil, left)
	}()
	if mine, ok := m.sids[id]; ok {
		if m.obs != nil && mine.has(room) {
			left = []Room{room}
		}
		mine.del(room)
		m.sids[id] = mine
	}
	deleted = m.leave(id, room, deleted)
}

// leave removes id from room's members, appending room to deleted when it
// is gone and watched; the caller holds m.mu.
func (m *Memory) leave(id SocketID, room Room, deleted []Room) []Room {
	members, ok := m.rooms[room]
	if !ok {
		return deleted
	}
	members.del(id)
	if members.len() > 0 {
		m.rooms[room] = members
		return deleted
	}
	delete(m.rooms, room)
	if m.watch != nil {
		deleted = append(deleted, room)
	}
	return deleted
}

// DelAll implements Adapter.
func (m *Memory) DelAll(id SocketID) {
	var deleted, left []Room
	m.mu.Lock()
	defer func() {
		m.mu.Unlock()
		m.notify(deleted)
		m.told(id, nil, left)
	}()
	mine := m.sids[id]
	for r := range mine.all() {
		deleted = m.leave(id, r, deleted)
		if m.obs != nil {
			left = append(left, r)
		}
	}
	delete(m.sids, id)
}

// SocketRooms implements Adapter.
func (m *Memory) SocketRooms(id SocketID) []Room {
	m.mu.RLock()
	defer m.mu.RUnlock()
	mine, ok := m.sids[id]
	if !ok {
		return nil
	}
	out := slices.AppendSeq(make([]Room, 0, mine.len()), mine.all())
	slices.Sort(out)
	return out
}

// InRoom implements RoomChecker: one map lookup for a socket in many
// rooms, where SocketRooms copies and sorts them all.
func (m *Memory) InRoom(id SocketID, room Room) bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	mine, ok := m.sids[id]
	return ok && mine.has(room)
}

// Rooms implements Adapter.
func (m *Memory) Rooms() []Room {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]Room, 0, len(m.rooms))
	for r := range m.rooms {
		out = append(out, r)
	}
	slices.Sort(out)
	return out
}

// Sockets returns the ids of the local sockets chosen by opts, appended to
// dst. It is the routing step of every broadcast.
func (m *Memory) Sockets(dst []SocketID, opts *BroadcastOptions) []SocketID {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var except map[SocketID]struct{}
	if len(opts.Except) > 0 {
		except = make(map[SocketID]struct{})
		for _, r := range opts.Except {
			members := m.rooms[r]
			for id := range members.all() {
				except[id] = struct{}{}
			}
		}
	}
	if len(opts.Rooms) == 0 {
		for id := range m.sids {
			if _, skip := except[id]; !skip {
				dst = append(dst, id)
			}
		}
		return dst
	}
	if len(opts.Rooms) == 1 {
		members := m.rooms[opts.Rooms[0]]
		for id := range members.all() {
			if _, skip := except[id]; !skip {
				dst = append(dst, id)
			}
		}
		return dst
	}
	seen := make(map[SocketID]struct{})
	for _, r := range opts.Rooms {
		members := m.rooms[r]
		for id := range members.all() {
			if _, skip := except[id]; skip {
				continue
			}
			if _, dup := seen[id]; !dup {
				seen[id] = struct{}{}
				dst = append(dst, id)
			}
		}
	}
	return dst
}

// idPool recycles the id slices of broadcasts, so that routing allocates
// nothing per recipient.
var idPool = sync.Pool{New: func() any { s := make([]SocketID, 0, 64); return &s }}

func (m *Memory) withSockets(opts *BroadcastOptions, f func(ids []SocketID)) {
	p := idPool.Get().(*[]SocketID)
	ids := m.Sockets((*p)[:0], opts)
	f(ids)
	clear(ids)
	*p = ids[:0]
	idPool.Put(p)
}

// Broadcast implements Adapter.
func (m *Memory) Broadcast(p *parser.Packet, opts *BroadcastOptions) {
	m.withSockets(opts, func(ids []SocketID) { m.ns.Deliver(p, opts.Flags, ids) })
}

// BroadcastWithAck implements Adapter.
func (m *Memory) BroadcastWithAck(p *parser.Packet, opts *BroadcastOptions, onClientCount func(int), onAck func(*parser.Packet)) {
	m.withSockets(opts, func(ids []SocketID) {
		m.ns.DeliverWithAck(p, opts.Flags, ids, onAck)
		onClientCount(len(ids))
	})
}

// ServerCount implements Adapter: one node.
func (m *Memory) ServerCount(context.Context) (int, error) { return 1, nil }

// FetchSockets implements Adapter.
func (m *Memory) FetchSockets(_ context.Context, opts *BroadcastOptions) ([]SocketInfo, error) {
	var out []SocketInfo
	m.withSockets(opts, func(ids []SocketID) {
		out = make([]SocketInfo, 0, len(ids))
		for _, id := range ids {
			if info, ok := m.ns.Info(id); ok {
				out = append(out, info)
			}
		}
	})
	return out, nil
}

// AddSockets implements Adapter.
func (m *Memory) AddSockets(opts *BroadcastOptions, rooms []Room) {
	m.withSockets(opts, func(ids []SocketID) {
		for _, id := range ids {
			m.AddAll(id, rooms)
		}
	})
}

// DelSockets implements Adapter.
func (m *Memory) DelSockets(opts *BroadcastOptions, rooms []Room) {
	m.withSockets(opts, func(ids []SocketID) {
		for _, id := range ids {
			for _, r := range rooms {
				m.Del(id, r)
			}
		}
	})
}

// DisconnectSockets implements Adapter.
func (m *Memory) DisconnectSockets(opts *BroadcastOptions, close bool) {
	m.withSockets(opts, func(ids []SocketID) {
		m.ns.Disconnect(slices.Clone(ids), close)
	})
}

// ServerSideEmit implements Adapter: with no other node there is nobody to
// reach, so it succeeds at once with no answers.
func (m *Memory) ServerSideEmit(context.Context, *parser.Packet, bool) ([]json.RawMessage, error) {
	return nil, nil
}

// Close implements Adapter.
func (m *Memory) Close() error { return nil }
