package engineio

import (
	"io"
	"log/slog"
	"net/http"
	"time"
)

// Transport names as they appear in the "transport" query parameter.
const (
	TransportPolling   = "polling"
	TransportWebSocket = "websocket"
	// TransportWebTransport is Engine.IO over HTTP/3 (see
	// Server.ServeWebTransport); like Node's, a server offers it only when
	// Options.Transports names it.
	TransportWebTransport = "webtransport"
)

// Options configure a Server. The zero value of every field means the
// default of Node's engine.io.
type Options struct {
	// PingInterval is how often the server sends a ping (default 25s).
	PingInterval time.Duration
	// PingTimeout is how long the server waits for the pong (default 20s).
	PingTimeout time.Duration
	// UpgradeTimeout bounds an upgrade from polling to WebSocket or
	// WebTransport, and the wait for a WebTransport session's stream and
	// first packet (default 10s).
	UpgradeTimeout time.Duration
	// MaxHTTPBufferSize is the largest message or polling body a client may
	// send, in bytes (default 1e6). Larger ones close the session.
	MaxHTTPBufferSize int64
	// Transports lists the allowed transports (default polling and websocket).
	Transports []string
	// DisableUpgrades keeps polling sessions on polling.
	DisableUpgrades bool
	// AllowRequest, when set, is asked about every handshake request (not
	// about upgrades of an accepted session, as in Node); a non-nil error
	// refuses it (see RequestError).
	AllowRequest func(r *http.Request) error
	// CORS enables cross-origin requests. Nil sends no CORS headers and lets
	// a browser open a WebSocket only from the server's own origin.
	CORS *CORS
	// MaxWriteQueueBytes bounds the bytes waiting to be written to one
	// client, counting the batch being written and 40 bytes per packet
	// (default 4 MiB). A client that lets its queue overflow is
	// disconnected: a slow consumer. A quarter of it is the soft bound
	// (see Session.Backlogged): past it the session stops reading the
	// client until half of that is written, so that a client flooding
	// requests is slowed down to the pace at which it reads the replies
	// instead of being disconnected.
	MaxWriteQueueBytes int64
	// WriteQueueSize bounds the packets waiting to be written to one client
	// (default 65536), a second bound after MaxWriteQueueBytes. A client
	// that lets its queue overflow is disconnected.
	WriteQueueSize int
	// WriteTimeout bounds one WebSocket write (default 10s).
	WriteTimeout time.Duration
	// MaxConnections refuses new sessions with 503 beyond this many (0: no
	// limit). Reaching it is logged once (at warning level), and again only
	// after the count fell to 90% of it.
	MaxConnections int
	// MaxHeaderBytes bounds the request line and header of every request
	// (default 16 KiB, Node's --max-http-header-size); larger ones are
	// refused with 431. A session keeps a copy of its handshake's header
	// for Session.Request: under net/http's own default (1 MiB), 100
	// handshakes with a 1 MB header held 122 MiB. Set
	// http.Server.MaxHeaderBytes too, so that net/http does not read more.
	MaxHeaderBytes int
	// Logger receives diagnostics; nil discards them.
	Logger *slog.Logger
	// Router, when set, serves the requests of sessions that other nodes
	// of a cluster hold, and gives the prefix of this server's session
	// ids (see Router). Nil: every session is this server's.
	Router Router
	// Observer, when set, is told of sessions, messages, refusals and
	// upgrades (for metrics, see package metrics); nil calls nothing.
	Observer Observer
}

// Option defaults, those of Node's engine.io.
const (
	DefaultPingInterval      = 25 * time.Second
	DefaultPingTimeout       = 20 * time.Second
	DefaultUpgradeTimeout    = 10 * time.Second
	DefaultMaxHTTPBufferSize = 1e6
	DefaultWriteQueueSize    = 1 << 16
	// DefaultMaxWriteQueueBytes is 4 MiB: a few of the largest messages a
	// client may send (MaxHTTPBufferSize), and for a broadcast of 1 KiB
	// messages 4,000 of them unread.
	DefaultMaxWriteQueueBytes = 4 << 20
	DefaultWriteTimeout       = 10 * time.Second
	DefaultMaxHeaderBytes     = 16 << 10
)

func (o *Options) withDefaults() Options {
	var c Options
	if o != nil {
		c = *o
	}
	setDefault(&c.PingInterval, DefaultPingInterval)
	setDefault(&c.PingTimeout, DefaultPingTimeout)
	setDefault(&c.UpgradeTimeout, DefaultUpgradeTimeout)
	setDefault(&c.WriteTimeout, DefaultWriteTimeout)
	setDefault(&c.MaxHTTPBufferSize, DefaultMaxHTTPBufferSize)
	setDefault(&c.WriteQueueSize, DefaultWriteQueueSize)
	setDefault(&c.MaxWriteQueueBytes, DefaultMaxWriteQueueBytes)
	setDefault(&c.MaxHeaderBytes, DefaultMaxHeaderBytes)
	if len(c.Transports) == 0 {
		c.Transports = []string{TransportPolling, TransportWebSocket}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return c
}

func setDefault[T int | int64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// upgrades lists the transports a polling session may upgrade to, in
// Node's order.
func (o *Options) upgrades() []string {
	ups := []string{}
	for _, t := range []string{TransportWebSocket, TransportWebTransport} {
		if !o.DisableUpgrades && o.allows(t) {
			ups = append(ups, t)
		}
	}
	return ups
}

func (o *Options) allows(transport string) bool {
	for _, t := range o.Transports {
		if t == transport {
			return true
		}
	}
	return false
}
