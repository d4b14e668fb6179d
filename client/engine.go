package client

import (
	"context"

	"github.com/duplexio/duplex/client/engineio"
)

// engineConn is what the Socket.IO layer uses of its Engine.IO connection,
// an *engineio.Conn: messages out, the connection's identity and its end.
// Messages in come through the engineio.Handler the Manager gives Dial
// (conn, in manager.go), whose calls do not overlap.
type engineConn interface {
	ID() string
	Transport() string
	// Context ends when the connection closes.
	Context() context.Context
	// Write queues one Socket.IO packet's messages, bounded by
	// Options.WriteQueueSize; WriteUrgent is unbounded, for the send
	// buffer (bounded by Options.SendBuffer) and DISCONNECT packets.
	Write(msgs ...engineio.Message) error
	WriteUrgent(msgs ...engineio.Message) error
	Writable() bool
	Close(ctx context.Context)
	Abort(reason string, err error)
	Wait()
}

var _ engineConn = (*engineio.Conn)(nil)
