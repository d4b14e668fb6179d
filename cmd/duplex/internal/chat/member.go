package chat

import (
	"slices"
	"sync"

	"golang.org/x/time/rate"

	"github.com/duplexio/duplex/socketio"
)

// member is a connected user's state on this node: the rate limits of its
// requests and the rooms it joined. Its rooms are kept here rather than
// read back from the adapter so that leaving them all on disconnect, and
// the MaxRoomsPerUser check, cost what one user's rooms cost.
type member struct {
	User
	hash     string // of its session's token: see session
	s        *socketio.Socket
	messages *rate.Limiter
	requests *rate.Limiter
	typing   *rate.Limiter
	refusals *rate.Limiter // spent by each refusal for the rate; empty = abuse

	mu    sync.Mutex
	rooms map[string]struct{}
	gone  bool // disconnected: joins are undone at once
}

func newMember(u User, s *socketio.Socket, o *Options) *member {
	return &member{
		User:     u,
		s:        s,
		messages: rate.NewLimiter(o.MessageRate, o.MessageBurst),
		requests: rate.NewLimiter(o.RequestRate, o.RequestBurst),
		typing:   rate.NewLimiter(o.TypingRate, o.TypingBurst),
		refusals: rate.NewLimiter(1, o.MaxRefusals),
		rooms:    map[string]struct{}{},
	}
}

// allow takes a token from bucket; when there is none the request is
// refused, and a user refused MaxRefusals times faster than one a second
// is disconnected with the reason: it is not slowing down.
func (c *Chat) allow(m *member, bucket *rate.Limiter) bool {
	if bucket.Allow() {
		return true
	}
	if !m.refusals.Allow() {
		c.kick(m, errAbuse.Error())
	}
	return false
}

// admit counts a request of m against bucket and reports whether to serve
// it. It answers ack itself when not: with rateErr past the rate, else
// with errInvalidPayload when the payload did not decode (!decoded), which
// still counts against the rate.
func (c *Chat) admit(m *member, bucket *rate.Limiter, rateErr error, decoded bool, ack socketio.AckFunc) bool {
	switch {
	case !c.allow(m, bucket):
		ack(errorAck{rateErr.Error()})
	case !decoded:
		ack(errorAck{errInvalidPayload.Error()})
	default:
		return true
	}
	return false
}

// kick tells a user why, then closes its connection (after what is
// queued, the reason included): a namespace disconnection alone would let
// a raw client connect again on the same connection with fresh buckets.
// The page shows the reason and does not reconnect.
func (c *Chat) kick(m *member, reason string) {
	_ = m.s.Emit(EventKicked, kickedEvent{Reason: reason})
	m.s.Disconnect(true)
}

// addRoom records that m joined name, running join under m's lock when
// it is new; it reports false when m is at its MaxRoomsPerUser bound or
// gone. The lock orders join with leaveAll: a room joined is left.
func (m *member) addRoom(name string, limit int, join func()) (added, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, in := m.rooms[name]; in {
		return false, true
	}
	if m.gone || len(m.rooms) >= limit {
		return false, false
	}
	m.rooms[name] = struct{}{}
	join()
	return true, true
}

// dropRoom records that m left name, running leave under m's lock if it
// was in it, and reports whether it was.
func (m *member) dropRoom(name string, leave func()) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, in := m.rooms[name]
	if in {
		delete(m.rooms, name)
		leave()
	}
	return in
}

// leaveAll marks m gone and returns the rooms it was in.
func (m *member) leaveAll() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gone = true
	out := make([]string, 0, len(m.rooms))
	for r := range m.rooms {
		out = append(out, r)
	}
	clear(m.rooms)
	return out
}

// roomList returns the rooms m is in, sorted; never nil.
func (m *member) roomList() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.rooms))
	for r := range m.rooms {
		out = append(out, r)
	}
	slices.Sort(out)
	return out
}
