package adapter

import (
	"bytes"
	"context"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/duplexio/duplex/parser"
)

// SessionMemory is the in-memory adapter with connection state recovery
// (Node's SessionAwareAdapter): it numbers and keeps the broadcasts it
// sends and the sessions of disconnected sockets, each for maxAge.
//
// Expiry is lazy, with no timer and no goroutine: every broadcast, persist
// and restore first drops what is older than maxAge. The packet log and
// the session queue are in time order, so that costs only what it drops.
type SessionMemory struct {
	*Memory
	maxAge time.Duration
	now    func() time.Time

	smu      sync.Mutex
	seq      uint64         // offset of the last stored packet
	packets  []storedPacket // by offset; packets[i].seq == packets[0].seq+i
	sessions map[string]storedSession
	order    []sessionRef // persist order, for expiry
}

type storedPacket struct {
	seq    uint64
	at     time.Time
	rooms  []Room
	except []Room
	packet *parser.Packet
}

type storedSession struct {
	s  *Session
	at time.Time
}

type sessionRef struct {
	pid string
	at  time.Time
}

var (
	_ Adapter      = (*SessionMemory)(nil)
	_ SessionStore = (*SessionMemory)(nil)
	_ CatchUp      = (*SessionMemory)(nil)
)

// DefaultMaxDisconnectionDuration is Node's
// connectionStateRecovery.maxDisconnectionDuration.
const DefaultMaxDisconnectionDuration = 2 * time.Minute

// NewSessionMemory returns a Factory of SessionMemory adapters that keep
// packets and sessions for maxAge (DefaultMaxDisconnectionDuration when
// not positive).
func NewSessionMemory(maxAge time.Duration) Factory {
	if maxAge <= 0 {
		maxAge = DefaultMaxDisconnectionDuration
	}
	return func(ns Namespace) Adapter {
		return &SessionMemory{
			Memory:   NewMemory(ns).(*Memory),
			maxAge:   maxAge,
			now:      time.Now,
			sessions: map[string]storedSession{},
		}
	}
}

// Broadcast implements Adapter: an EVENT without ack id and not volatile
// gets the next offset as its last argument and is kept.
func (m *SessionMemory) Broadcast(p *parser.Packet, opts *BroadcastOptions) {
	if Stored(p, opts.Flags) {
		p = m.store(p, opts)
	}
	m.Memory.Broadcast(p, opts)
}

// store appends the next offset to a copy of p and keeps it.
func (m *SessionMemory) store(p *parser.Packet, opts *BroadcastOptions) *parser.Packet {
	now := m.now()
	m.smu.Lock()
	defer m.smu.Unlock()
	m.expireLocked(now)
	m.seq++
	q := WithOffset(p, strconv.FormatUint(m.seq, 36))
	m.packets = append(m.packets, storedPacket{
		seq: m.seq, at: now, packet: q,
		rooms: slices.Clone(opts.Rooms), except: slices.Clone(opts.Except),
	})
	return q
}

// appendOffset adds off as the last element of the JSON array data.
func appendOffset(data []byte, off string) []byte {
	start, end := bytes.IndexByte(data, '['), bytes.LastIndexByte(data, ']')
	if start < 0 || end < start {
		return data
	}
	out := make([]byte, 0, end+len(off)+4)
	out = append(out, data[:end]...)
	if len(bytes.TrimSpace(data[start+1:end])) > 0 {
		out = append(out, ',')
	}
	out = strconv.AppendQuote(out, off)
	return append(out, ']')
}

// PersistSession implements SessionStore.
func (m *SessionMemory) PersistSession(s *Session) {
	now := m.now()
	m.smu.Lock()
	defer m.smu.Unlock()
	m.expireLocked(now)
	m.sessions[s.PID] = storedSession{s: s, at: now}
	m.order = append(m.order, sessionRef{pid: s.PID, at: now})
}

// RestoreSession implements SessionStore. A session is restored once: it
// leaves the store, so a replayed pid cannot clone it.
func (m *SessionMemory) RestoreSession(_ context.Context, pid, offset string) (*Session, []*parser.Packet, error) {
	now := m.now()
	m.smu.Lock()
	defer m.smu.Unlock()
	m.expireLocked(now)
	st, ok := m.sessions[pid]
	if !ok {
		return nil, nil, nil
	}
	seq, err := strconv.ParseUint(offset, 36, 64)
	if err != nil || len(m.packets) == 0 || seq < m.packets[0].seq || seq > m.seq {
		return nil, nil, nil // the offset is unknown or too old: start afresh
	}
	delete(m.sessions, pid)
	return st.s, m.afterLocked(st.s, seq), nil
}

// afterLocked returns the kept packets after offset seq that reach s; the
// caller holds m.smu and checked that seq is kept.
func (m *SessionMemory) afterLocked(s *Session, seq uint64) []*parser.Packet {
	var out []*parser.Packet
	for _, sp := range m.packets[seq-m.packets[0].seq+1:] {
		if Reaches(s.Rooms, sp.rooms, sp.except) {
			out = append(out, sp.packet)
		}
	}
	return out
}

// Missed implements CatchUp: a packet is numbered before it is delivered,
// so one broadcast while a restored socket joins its rooms may be neither
// in its restore nor delivered to it.
func (m *SessionMemory) Missed(_ context.Context, s *Session, offset string) ([]*parser.Packet, error) {
	m.smu.Lock()
	defer m.smu.Unlock()
	seq, err := strconv.ParseUint(offset, 36, 64)
	if err != nil || len(m.packets) == 0 || seq < m.packets[0].seq || seq > m.seq {
		return nil, nil
	}
	return m.afterLocked(s, seq), nil
}

// OffsetAfter implements CatchUp: offsets are base-36 sequence numbers.
func (m *SessionMemory) OffsetAfter(a, b string) bool {
	x, errA := strconv.ParseUint(a, 36, 64)
	y, errB := strconv.ParseUint(b, 36, 64)
	return errA == nil && errB == nil && x > y
}

// Reaches reports whether a broadcast to rooms except except reached a
// socket in mine (Node's shouldIncludePacket).
func Reaches(mine, rooms, except []Room) bool {
	for _, r := range mine {
		if slices.Contains(except, r) {
			return false
		}
	}
	if len(rooms) == 0 {
		return true
	}
	for _, r := range mine {
		if slices.Contains(rooms, r) {
			return true
		}
	}
	return false
}

// expireLocked drops the packets and sessions older than maxAge; the
// caller holds m.smu.
func (m *SessionMemory) expireLocked(now time.Time) {
	limit := now.Add(-m.maxAge)
	i := 0
	for i < len(m.packets) && m.packets[i].at.Before(limit) {
		i++
	}
	if i > 0 {
		clear(m.packets[:i])
		m.packets = m.packets[i:]
	}
	j := 0
	for ; j < len(m.order) && m.order[j].at.Before(limit); j++ {
		ref := m.order[j]
		// The pid may have been restored, or persisted again since.
		if st, ok := m.sessions[ref.pid]; ok && !st.at.After(ref.at) {
			delete(m.sessions, ref.pid)
		}
	}
	if j > 0 {
		clear(m.order[:j])
		m.order = m.order[j:]
	}
}
