package socketio

import (
	"io"
	"log/slog"
	"time"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/engineio"
)

// Options configure a Server. Zero values mean the defaults of Node's
// socket.io.
type Options struct {
	// Path the server answers under (default "/socket.io/").
	Path string
	// ConnectTimeout closes a connection that has joined no namespace in
	// this time (default 45s).
	ConnectTimeout time.Duration
	// Adapter creates each namespace's adapter (default adapter.NewMemory).
	Adapter adapter.Factory
	// Logger receives connection events at debug level and handler errors;
	// nil discards them.
	Logger *slog.Logger
	// ConnectionStateRecovery, when set, lets a client that lost its
	// connection resume its session (id, rooms, data) and receive the
	// broadcasts it missed; nil turns it off. See RecoveryOptions.
	ConnectionStateRecovery *RecoveryOptions
	// CaseInsensitiveKeys matches the object keys of received arguments to
	// struct fields as encoding/json does, ignoring case. By default they
	// match exactly, as JavaScript reads them: encoding/json would fill a
	// field tagged "text" from {"text":"hi","TEXT":"evil"} with "evil".
	CaseInsensitiveKeys bool
	// Parser is the packet encoding clients use (default ParserJSON); with
	// ParserMsgpack a text message, or a message that is not a valid
	// msgpack packet, closes the connection with reason "parse error",
	// as a malformed packet does with the JSON parser.
	Parser Parser
	// OnArgError is called when an event's arguments do not fit a handler
	// that has no error parameter to receive the *ArgError; the handler is
	// not called. ack answers the client's acknowledgement request (a
	// no-op when it made none); if OnArgError does not answer, the
	// library does, with {"error": "invalid argument 1: want number"}, so
	// that the client does not wait for its timeout. Nil logs the first
	// such error of each socket at debug level. The OnError listeners of
	// the socket get the error either way.
	OnArgError func(s *Socket, err *ArgError, ack AckFunc)
	// CleanupEmptyChildNamespaces removes a namespace created by an OfFunc
	// parent when its last socket leaves (Node's
	// cleanupEmptyChildNamespaces): its adapter is closed and it leaves
	// the server and the parent, so that clients joining and leaving many
	// names do not grow memory (20,000 emptied children kept 30 MiB). A
	// later connection to the name asks the parent's match function again
	// and gets a new namespace. A *Namespace obtained before (from Of or
	// a socket) then reaches nobody: register handlers on the parent.
	CleanupEmptyChildNamespaces bool
	// MaxPendingAttachmentBytes bounds what a connection holds for a
	// binary packet (an event or acknowledgement carrying binaries) until
	// its last attachment arrives: its data and the attachments before
	// the last. Zero means Engine.MaxHTTPBufferSize: an event may carry one
	// binary as large as a message, or several adding up to one; raise it
	// for events with several large binaries (Node bounds only their
	// number, 10, so a client could make it hold 10 MB per connection).
	// Past the bound, or when the attachments have not all arrived within
	// Engine.PingInterval + PingTimeout, the connection is closed with reason
	// "parse error".
	MaxPendingAttachmentBytes int64

	// EventQueueBytes is the soft bound of the bytes of a connection's
	// events waiting for their handlers, payloads and 96 bytes of
	// bookkeeping each (default 1 MiB). Past it the connection stops
	// reading the client until the handlers have brought it under half;
	// past 4 x EventQueueBytes + Engine.MaxHTTPBufferSize (only reachable by a
	// client that is not read, or that withholds an acknowledgement the
	// server waits for) the client is disconnected with ErrTooManyEvents.
	EventQueueBytes int64

	// Engine holds the options of the Engine.IO server under this one
	// (transports, heartbeat, limits, CORS), as engineio.NewServer takes
	// them: nested rather than copied field by field, so that every
	// engine option can be set here, and new ones without a change to this
	// package. Its Logger defaults to Logger.
	Engine engineio.Options

	// Observer, when set, is told of connections, disconnections and
	// handler panics (for metrics, see package metrics); nil calls nothing.
	Observer Observer

	// Monitor, when set, is told of each socket connected and gone, of
	// room memberships and of transport upgrades (for the admin UI, see
	// package admin); nil calls nothing.
	Monitor Monitor
}

// DefaultConnectTimeout is Node's connectTimeout.
const DefaultConnectTimeout = 45 * time.Second

// DefaultEventQueueBytes is the default EventQueueBytes: 1 MiB, over 6,000
// small events of a burst, or one of the largest messages a client may
// send.
const DefaultEventQueueBytes = 1 << 20

func (o *Options) withDefaults() Options {
	var c Options
	if o != nil {
		c = *o
	}
	if c.Path == "" {
		c.Path = "/socket.io/"
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = DefaultConnectTimeout
	}
	if c.EventQueueBytes <= 0 {
		c.EventQueueBytes = DefaultEventQueueBytes
	}
	if r := c.ConnectionStateRecovery; r != nil {
		rc := *r
		if rc.MaxDisconnectionDuration <= 0 {
			rc.MaxDisconnectionDuration = adapter.DefaultMaxDisconnectionDuration
		}
		c.ConnectionStateRecovery = &rc
		if c.Adapter == nil {
			c.Adapter = adapter.NewSessionMemory(rc.MaxDisconnectionDuration)
		}
	}
	if c.Adapter == nil {
		c.Adapter = adapter.NewMemory
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.Engine.Logger == nil {
		c.Engine.Logger = c.Logger
	}
	if c.MaxPendingAttachmentBytes <= 0 {
		c.MaxPendingAttachmentBytes = c.engineMaxBuffer()
	}
	return c
}

// attachmentWait is how long a binary packet may wait for its attachments:
// as long as a polling body may trickle in or a client stay silent.
func (o *Options) attachmentWait() time.Duration {
	interval, timeout := o.Engine.PingInterval, o.Engine.PingTimeout
	if interval <= 0 {
		interval = engineio.DefaultPingInterval
	}
	if timeout <= 0 {
		timeout = engineio.DefaultPingTimeout
	}
	return interval + timeout
}

// engineMaxBuffer is the engine's MaxHTTPBufferSize, its default when unset.
func (o *Options) engineMaxBuffer() int64 {
	if o.Engine.MaxHTTPBufferSize > 0 {
		return o.Engine.MaxHTTPBufferSize
	}
	return engineio.DefaultMaxHTTPBufferSize
}
