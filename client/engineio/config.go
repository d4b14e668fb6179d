package engineio

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// Transport names, as in Config.Transports.
const (
	TransportPolling   = "polling"
	TransportWebSocket = "websocket"
	// TransportWebTransport is Engine.IO over HTTP/3 (WebTransport), at
	// the URL's host and port over UDP with TLSConfig: first in
	// Transports it opens the connection, after polling it is upgraded
	// to when the server offers it.
	TransportWebTransport = "webtransport"
)

// Close reasons, as engine.io-client names them: Handler.OnClose receives
// one of these.
const (
	// ReasonPingTimeout: the server sent no ping within pingInterval +
	// pingTimeout.
	ReasonPingTimeout = "ping timeout"
	// ReasonTransportClose: the server closed the connection, or it was
	// lost.
	ReasonTransportClose = "transport close"
	// ReasonTransportError: a request or a write failed.
	ReasonTransportError = "transport error"
	// ReasonParseError: the server sent something undecodable.
	ReasonParseError = "parse error"
	// ReasonForcedClose: Close or Abort was called.
	ReasonForcedClose = "forced close"
)

var (
	// ErrClosed is returned by writes to a connection that is closing or
	// closed.
	ErrClosed = errors.New("engineio: connection closed")
	// ErrQueueFull is returned by Write when Config.WriteQueueSize
	// messages already wait to be written.
	ErrQueueFull = errors.New("engineio: write queue full")
)

// HTTPError is a handshake or polling request the server answered with a
// status other than 200 (or 101 for WebSocket).
type HTTPError struct {
	StatusCode int
	Body       string // at most 512 bytes of the answer
}

func (e *HTTPError) Error() string {
	if e.Body == "" {
		return fmt.Sprintf("engineio: server answered %d", e.StatusCode)
	}
	return fmt.Sprintf("engineio: server answered %d: %s", e.StatusCode, e.Body)
}

// Config configures Dial. Zero values mean the defaults of
// engine.io-client.
type Config struct {
	// URL is the server's Engine.IO endpoint: scheme http or https (ws
	// and wss are taken for them), its path ("/engine.io/" for a Node
	// server, "/socket.io/" under Socket.IO) and any query parameters to
	// send. Dial adds the Engine.IO ones (EIO, transport, sid).
	URL *url.URL
	// Transports lists the transports to use, in order: the first opens
	// the connection, a later one is upgraded to when the server offers
	// it. The default is polling then websocket.
	Transports []string
	// Header is sent with every HTTP request and the WebSocket handshake.
	Header http.Header
	// HTTPClient carries polling requests (default http.DefaultClient). A
	// client with a cookie Jar also lends its cookies to the WebSocket
	// handshake (sticky sessions).
	HTTPClient *http.Client
	// TLSConfig configures wss and webtransport connections; https
	// polling uses HTTPClient's.
	TLSConfig *tls.Config
	// Timeout bounds the handshake, the upgrade probe and each write
	// (default 20s).
	Timeout time.Duration
	// WriteQueueSize bounds the messages waiting to be written (default
	// 4096): Write fails with ErrQueueFull beyond it instead of growing
	// memory without bound.
	WriteQueueSize int
	// Logger receives connection events at debug level. Nil discards
	// them.
	Logger *slog.Logger
}

// Config defaults.
const (
	DefaultTimeout        = 20 * time.Second
	DefaultWriteQueueSize = 4096
)

// maxReadSize bounds one polling response or WebSocket message from the
// server, so that a broken server cannot make the client allocate without
// limit.
const maxReadSize = 64 << 20

// config is a Config with its defaults applied, as the connection uses it.
type config struct {
	base       *url.URL // http(s)://host/path?query
	header     http.Header
	transports []string
	http       *http.Client
	tls        *tls.Config
	timeout    time.Duration // handshake, upgrade probe, one write
	queueSize  int
	logger     *slog.Logger
}

// resolve returns c with the defaults applied, or an error for values
// that cannot work.
func (c *Config) resolve() (*config, error) {
	if c == nil || c.URL == nil {
		return nil, errors.New("engineio: no URL")
	}
	base := *c.URL
	switch base.Scheme {
	case "http", "https":
	case "ws":
		base.Scheme = "http"
	case "wss":
		base.Scheme = "https"
	default:
		return nil, fmt.Errorf("engineio: bad URL %q: scheme must be http, https, ws or wss", c.URL)
	}
	r := &config{base: &base, header: c.Header, http: c.HTTPClient, tls: c.TLSConfig,
		timeout: c.Timeout, queueSize: c.WriteQueueSize, logger: c.Logger}
	r.transports = slices.Clone(c.Transports)
	if len(r.transports) == 0 {
		r.transports = []string{TransportPolling, TransportWebSocket}
	}
	for _, t := range r.transports {
		if t != TransportPolling && t != TransportWebSocket && t != TransportWebTransport {
			return nil, fmt.Errorf("engineio: unknown transport %q", t)
		}
	}
	if r.http == nil {
		r.http = http.DefaultClient
	}
	if r.timeout <= 0 {
		r.timeout = DefaultTimeout
	}
	if r.queueSize <= 0 {
		r.queueSize = DefaultWriteQueueSize
	}
	if r.logger == nil {
		r.logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return r, nil
}
