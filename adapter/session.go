package adapter

import (
	"bytes"
	"context"
	"time"

	"github.com/duplexio/duplex/parser"
)

// Session is the state of a socket that lost its connection, kept so that
// a reconnection within the allowed time resumes it (Node's connection
// state recovery).
type Session struct {
	// SID is the socket id, which the recovered socket keeps.
	SID SocketID
	// PID is the private session id: the client presents it to recover.
	PID string
	// Rooms are the rooms the socket was in, its own id included.
	Rooms []Room
	// Data is the socket's Data.
	Data any
}

// SessionStore is the optional interface of adapters that can recover
// connection states. Such an adapter appends an offset (a string) as the
// last argument of every EVENT it broadcasts without an ack id and not
// volatile, and keeps those packets and the sessions of disconnected
// sockets for the maximum disconnection duration.
type SessionStore interface {
	// PersistSession keeps s, keyed by s.PID, for the maximum
	// disconnection duration.
	PersistSession(s *Session)
	// RestoreSession takes back the session pid with the packets broadcast
	// to its rooms after the one with offset. It returns a nil session
	// when pid is unknown or expired or offset is no longer known; an
	// error only when the store could not answer.
	RestoreSession(ctx context.Context, pid, offset string) (*Session, []*parser.Packet, error)
}

// RecoveryAware is the optional interface of SessionStores that must know
// whether the server recovers connection states and for how long, as
// Node's adapters read nsp.server.opts.connectionStateRecovery: the Redis
// Streams adapter appends offsets and stores sessions only when it is on.
// socketio calls EnableRecovery once, right after the Factory returned the
// adapter and before any socket joins, when its recovery is on.
type RecoveryAware interface {
	EnableRecovery(maxDisconnectionDuration time.Duration)
}

// SessionKeeper is the optional interface of SessionStores that also keep
// the sessions of connected sockets, so that a node that dies without
// persisting them (SIGKILL, OOM) leaves them behind for another node to
// restore. socketio calls KeepSessions once, after EnableRecovery, with a
// function that lists the sessions of the namespace's connected sockets
// (the store calls it from its own goroutine, until it closes). When it
// reports true, socketio also persists a socket's session as soon as it
// connects, and calls DiscardSession when a socket leaves for a reason
// that is not recoverable.
type SessionKeeper interface {
	KeepSessions(list func() []*Session) bool
	DiscardSession(pid string)
}

// CatchUp is the optional interface of SessionStores whose restore and
// live delivery are not one step: the Redis Streams adapter restores from
// an XRANGE while the node delivers from its XREAD loop and from its own
// writes, so a packet may be stored after the restore read the stream but
// delivered before the socket joined its rooms (lost), or read by the
// restore and delivered live after the socket joined (twice). socketio
// holds a restored socket's broadcasts while it joins its rooms, calls
// Missed for what the store kept after the last offset the socket got,
// and from then on drops a broadcast whose offset is not OffsetAfter that
// last offset.
type CatchUp interface {
	// Missed returns the packets to s's rooms stored after offset, each
	// with its offset as last argument, as RestoreSession does.
	Missed(ctx context.Context, s *Session, offset string) ([]*parser.Packet, error)
	// OffsetAfter reports whether offset a comes after b in the store.
	OffsetAfter(a, b string) bool
}

// Offset returns the offset a stored EVENT carries as its last argument
// (see WithOffset), without decoding the rest of its data.
func Offset(p *parser.Packet) (string, bool) {
	d := bytes.TrimRight(p.Data, " \t\r\n")
	if len(d) < 3 || d[len(d)-1] != ']' || d[len(d)-2] != '"' {
		return "", false
	}
	d = d[:len(d)-2]
	i := bytes.LastIndexByte(d, '"')
	if i < 0 || bytes.IndexByte(d[i+1:], '\\') >= 0 {
		return "", false
	}
	return string(d[i+1:]), true
}

// WithOffset returns a copy of the EVENT p with offset appended as the
// last element of its data array, which is how a client learns the
// offset it presents when it recovers.
func WithOffset(p *parser.Packet, offset string) *parser.Packet {
	q := *p
	q.Data = appendOffset(p.Data, offset)
	return &q
}

// Stored reports whether a broadcast of p with flags is one that recovery
// replays and numbers: an EVENT without ack id, not volatile.
func Stored(p *parser.Packet, flags BroadcastFlags) bool {
	return (p.Type == parser.Event || p.Type == parser.BinaryEvent) && !p.HasID && !flags.Volatile
}
