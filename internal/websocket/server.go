package websocket

import (
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/lxzan/gws"
)

// ServerOptions configures a [Server]. The zero value is usable.
type ServerOptions struct {
	// MaxPayload is the largest message accepted, on either read path; a
	// larger one fails the connection with close code 1009. Default
	// 1,000,000 bytes.
	MaxPayload int

	// WriteTimeout bounds every write, the handshake's included: a peer
	// that does not read fails the write instead of holding its writer.
	// Default 10 s.
	WriteTimeout time.Duration

	// Logger gets debug messages (which read path is used). Nil discards.
	Logger *slog.Logger
}

func (o ServerOptions) withDefaults() ServerOptions {
	if o.MaxPayload <= 0 {
		o.MaxPayload = 1_000_000
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 10 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Server upgrades HTTP requests to WebSockets and reads them: with one
// [Poller] where it can, else with a goroutine per connection. Its zero
// value is not usable: call [NewServer]; end it with [Server.Close].
type Server struct {
	opts     ServerOptions
	upgrader *gws.Upgrader

	pollOnce sync.Once
	poller   *Poller // nil where epoll is not available, or once closed

	mu      sync.Mutex
	closed  bool
	readers sync.WaitGroup // goroutine readers (the fallback path)
}

// NewServer returns a Server; it starts its poller on first use.
func NewServer(opts ServerOptions) *Server {
	s := &Server{opts: opts.withDefaults()}
	s.upgrader = gws.NewUpgrader(gwsEvents{}, &gws.ServerOption{
		ReadMaxPayloadSize: s.opts.MaxPayload,
		CheckUtf8Enabled:   true,
		NewSession:         func() gws.SessionStorage { return &slot{} },
		HandshakeTimeout:   s.opts.WriteTimeout,
	})
	return s
}

// Upgrade completes the WebSocket handshake of r (RFC 6455 section 4.2)
// with gws's Upgrader. A request that is no valid handshake has been
// answered 400 with a plain-text reason when Upgrade returns an error. The
// Conn is read only once [Conn.Serve] is called.
func (s *Server) Upgrade(w http.ResponseWriter, r *http.Request) (*Conn, error) {
	gc, err := s.upgrader.Upgrade(w, r)
	if err != nil {
		return nil, err
	}
	c := newConn(s, gc.NetConn())
	c.gc = gc
	gc.Session().Store("", c)
	return c, nil
}

// poll returns the poller, started on first use, or nil when there is
// none (not Linux, or the server closed).
func (s *Server) poll() *Poller {
	s.pollOnce.Do(func() {
		p, err := NewPoller(Options{MaxPayload: s.opts.MaxPayload})
		if err != nil {
			s.opts.Logger.Debug("websocket: no epoll poller, a goroutine reads each WebSocket", "err", err)
			return
		}
		s.poller = p
	})
	return s.poller
}

// startReader counts a goroutine reader; it reports false once the
// server is closed, when no reader may start.
func (s *Server) startReader() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.readers.Add(1)
	return true
}

// Close closes every connection the poller reads (each Handler gets
// OnClose with net.ErrClosed), keeps new connections from being read (a
// later Serve closes its connection at once), and waits for the goroutine
// readers to return: close their connections first, as their owners do.
func (s *Server) Close() error {
	s.pollOnce.Do(func() {})
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	var err error
	if s.poller != nil {
		err = s.poller.Close()
	}
	s.readers.Wait()
	return err
}

// errServerClosed is what a Conn served after Server.Close reports.
var errServerClosed = net.ErrClosed
