package client

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/duplexio/duplex/client/engineio"
)

// Transport names, as in Options.Transports.
const (
	TransportPolling   = engineio.TransportPolling
	TransportWebSocket = engineio.TransportWebSocket
	// TransportWebTransport is WebTransport (HTTP/3), at the URL's host
	// and port over UDP: first in Transports it opens the connection,
	// after polling it is upgraded to when the server offers it.
	TransportWebTransport = engineio.TransportWebTransport
)

// Options configure a Manager (and Dial). Zero values mean the defaults of
// socket.io-client.
type Options struct {
	// Path is the server's Socket.IO path (default "/socket.io/").
	Path string
	// Transports lists the transports to use, in order: the first opens the
	// connection, a later one is upgraded to when the server offers it.
	// The default, polling then websocket, is socket.io-client's;
	// {"websocket"} connects over WebSocket directly, {"polling"} never
	// upgrades.
	Transports []string
	// Header is sent with every HTTP request and the WebSocket handshake.
	Header http.Header
	// Query is added to the URL's own query parameters.
	Query url.Values
	// TLSConfig configures https, wss and webtransport connections.
	TLSConfig *tls.Config
	// HTTPClient carries polling requests. By default the Manager uses a
	// client of its own, whose idle connections it closes when the engine
	// connection ends. A client with a cookie Jar also lends its cookies to
	// the WebSocket handshake (sticky sessions).
	HTTPClient *http.Client
	// Parser is the packet encoding, which must be the server's
	// (default ParserJSON).
	Parser Parser

	// Auth is the payload of the CONNECT packet, JSON-encoded (a
	// json.RawMessage is sent as is); the server reads it as
	// socket.handshake.auth. It must encode to a JSON object.
	Auth any
	// AuthFunc, when set, is called before every connection and
	// reconnection to a namespace and replaces Auth, so that a token can be
	// refreshed. An error aborts that connection attempt like a connect
	// error.
	AuthFunc func(ctx context.Context) (any, error)

	// Timeout bounds each attempt to open the connection: the Engine.IO
	// handshake (default 20s).
	Timeout time.Duration

	// DisableReconnection stops the Manager from reconnecting when the
	// connection is lost.
	DisableReconnection bool
	// ReconnectionAttempts is how many reconnection attempts are made before
	// giving up (default 0: no limit).
	ReconnectionAttempts int
	// ReconnectionDelay is the delay before the first reconnection attempt;
	// each attempt doubles it (default 1s).
	ReconnectionDelay time.Duration
	// ReconnectionDelayMax bounds the delay between attempts (default 5s).
	ReconnectionDelayMax time.Duration
	// RandomizationFactor spreads the delays by up to this fraction, so
	// that clients cut off together do not come back together (default
	// 0.5; negative for none).
	RandomizationFactor float64

	// SendBuffer bounds the packets a socket keeps while it is not
	// connected, sent once it connects again (default 1024). Emits beyond
	// it fail with ErrBufferFull. Negative disables the buffer: emits fail
	// with ErrDisconnected while the socket is not connected.
	SendBuffer int
	// WriteQueueSize bounds the messages waiting to be written to the
	// connection (default 4096); emits beyond it fail with ErrBufferFull
	// instead of growing memory without bound.
	WriteQueueSize int

	// Logger receives diagnostics: connection events at debug level,
	// handler panics and errors. Nil discards them.
	Logger *slog.Logger
}

// SocketOptions configure one namespace socket of a Manager.
type SocketOptions struct {
	// Auth and AuthFunc are as in Options, which gives the default when
	// both are nil here.
	Auth     any
	AuthFunc func(ctx context.Context) (any, error)
}

// Option defaults, those of socket.io-client.
const (
	DefaultPath                 = "/socket.io/"
	DefaultTimeout              = 20 * time.Second
	DefaultReconnectionDelay    = time.Second
	DefaultReconnectionDelayMax = 5 * time.Second
	DefaultRandomizationFactor  = 0.5
	DefaultSendBuffer           = 1024
	DefaultWriteQueueSize       = 4096
)

// withDefaults returns a copy of o with the zero values replaced by the
// defaults, or an error for values that cannot work.
func (o *Options) withDefaults() (Options, error) {
	var c Options
	if o != nil {
		c = *o
	}
	if c.Path == "" {
		c.Path = DefaultPath
	}
	if !strings.HasPrefix(c.Path, "/") {
		c.Path = "/" + c.Path
	}
	if len(c.Transports) == 0 {
		c.Transports = []string{TransportPolling, TransportWebSocket}
	}
	for _, t := range c.Transports {
		if t != TransportPolling && t != TransportWebSocket && t != TransportWebTransport {
			return c, fmt.Errorf("client: unknown transport %q", t)
		}
	}
	c.Transports = slices.Clone(c.Transports)
	setDefault(&c.Timeout, DefaultTimeout)
	setDefault(&c.ReconnectionDelay, DefaultReconnectionDelay)
	setDefault(&c.ReconnectionDelayMax, DefaultReconnectionDelayMax)
	c.ReconnectionDelayMax = max(c.ReconnectionDelayMax, c.ReconnectionDelay)
	switch {
	case c.RandomizationFactor == 0:
		c.RandomizationFactor = DefaultRandomizationFactor
	case c.RandomizationFactor < 0:
		c.RandomizationFactor = 0
	case c.RandomizationFactor > 1:
		c.RandomizationFactor = 1
	}
	setDefault(&c.SendBuffer, DefaultSendBuffer)
	setDefault(&c.WriteQueueSize, DefaultWriteQueueSize)
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return c, nil
}

// setDefault sets *v to def when it is zero (only: a negative SendBuffer
// means something).
func setDefault[T int | time.Duration](v *T, def T) {
	if *v == 0 {
		*v = def
	}
}

// parseURL splits a server URL into the base URL of the engine (scheme
// http or https, Options.Path, query merged) and the namespace its path
// names ("/" when none), as socket.io-client's io(url) does.
func parseURL(raw string, o *Options) (*url.URL, string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, "", fmt.Errorf("client: bad URL: %w", err)
	}
	switch u.Scheme {
	case "http", "https":
	case "ws":
		u.Scheme = "http"
	case "wss":
		u.Scheme = "https"
	default:
		return nil, "", fmt.Errorf("client: bad URL %q: scheme must be http, https, ws or wss", raw)
	}
	if u.Host == "" {
		return nil, "", fmt.Errorf("client: bad URL %q: no host", raw)
	}
	nsp := u.Path
	if nsp == "" {
		nsp = "/"
	}
	q := u.Query()
	for k, vs := range o.Query {
		q[k] = append(q[k], vs...)
	}
	base := &url.URL{Scheme: u.Scheme, User: u.User, Host: u.Host, Path: o.Path, RawQuery: q.Encode()}
	return base, nsp, nil
}

// Parser selects the packet encoding on the wire, as socket.io-client's
// parser option does; it mirrors socketio.Parser.
type Parser int

const (
	// ParserJSON is socket.io-parser's encoding, the default.
	ParserJSON Parser = iota
	// ParserMsgpack is socket.io-msgpack-parser's: one binary MessagePack
	// message per packet, binaries inline (see package msgpackparser).
	ParserMsgpack
)
