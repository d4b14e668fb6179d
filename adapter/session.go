package adapter

import (
	"context"

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
