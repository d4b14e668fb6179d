package engineio

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/duplexio/duplex/engineio/packet"
	"github.com/duplexio/duplex/internal/activity"
	"github.com/duplexio/duplex/internal/enginehook"
	"github.com/duplexio/duplex/internal/sid"
	"github.com/duplexio/duplex/internal/websocket"
)

// Server is an Engine.IO v4 server. Mount it where clients connect
// ("/engine.io/" or, under Socket.IO, "/socket.io/"): it answers every
// request below that path itself.
type Server struct {
	opts    Options
	connect ConnectFunc
	ws      *websocket.Server // WebSocket I/O: handshakes, reads, writes, close frames
	prefix  string            // of the ids of this server's sessions (Options.Router)

	mu       sync.RWMutex
	sessions map[string]*Session
	closing  bool
	atLimit  atomic.Bool          // MaxConnections was reached and logged; rearmed at 90%
	ended    map[string]time.Time // ids of sessions their client closed over polling (ended.go)
	wg       activity.Counter     // sessions and connection goroutines not yet finished
}

// NewServer returns a server that calls connect for each new session.
func NewServer(opts *Options, connect ConnectFunc) *Server {
	s := &Server{opts: opts.withDefaults(), connect: connect, sessions: map[string]*Session{}}
	s.ws = websocket.NewServer(websocket.ServerOptions{
		MaxPayload:   int(s.opts.MaxHTTPBufferSize),
		WriteTimeout: s.opts.WriteTimeout,
		Logger:       s.opts.Logger,
	})
	if s.opts.Router != nil {
		s.prefix = s.opts.Router.SessionPrefix()
		if !validPrefix(s.prefix) {
			panic("engineio: Router.SessionPrefix " + s.prefix + ": want at most 16 of A-Z a-z 0-9 - _")
		}
	}
	return s
}

// Options returns the options in force, defaults filled in.
func (srv *Server) Options() Options { return srv.opts }

// Count returns the number of open sessions.
func (srv *Server) Count() int {
	srv.mu.RLock()
	defer srv.mu.RUnlock()
	return len(srv.sessions)
}

// Session returns the open session with the given id, or nil.
func (srv *Server) Session(id string) *Session {
	srv.mu.RLock()
	defer srv.mu.RUnlock()
	return srv.sessions[id]
}

// ServeHTTP routes a request to the handshake, a session's polling
// transport, or a WebSocket, after the checks Node's engine.io makes, in
// the same order and with the same answers.
func (srv *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if headerSize(r) > srv.opts.MaxHeaderBytes {
		srv.refuse(w, &RequestError{Status: http.StatusRequestHeaderFieldsTooLarge, Code: CodeBadRequest, Message: "Request header fields too large", cause: RefusedHeaderTooLarge})
		return
	}
	if srv.opts.CORS != nil && srv.opts.CORS.apply(w, r) {
		return
	}
	q := r.URL.Query()
	transport := q.Get("transport")
	if !srv.opts.allows(transport) || transport == TransportWebTransport { // not over HTTP/1.1: ServeWebTransport
		srv.refuse(w, refusedFor(RefusedTransport, CodeUnknownTransport))
		return
	}
	isWS := transport == TransportWebSocket
	if isWS && !isUpgrade(r) {
		srv.refuse(w, refusedFor(RefusedNotUpgrade, CodeBadRequest))
		return
	}
	if sid := q.Get("sid"); sid != "" {
		srv.serveSession(w, r, sid, isWS)
		return
	}
	if e := srv.checkHandshake(r, q.Get("EIO"), isWS); e != nil {
		srv.refuse(w, e)
		return
	}
	if isWS {
		srv.handshakeWebSocket(w, r)
		return
	}
	srv.handshakePolling(w, r)
}

func isUpgrade(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

func (srv *Server) serveSession(w http.ResponseWriter, r *http.Request, sid string, isWS bool) {
	s := srv.Session(sid)
	if s == nil && srv.route(w, r, sid) {
		return
	}
	if s == nil && !isWS && r.Method == http.MethodGet {
		srv.serveEnded(w, sid)
		return
	}
	if s == nil {
		writeError(w, requestError(CodeUnknownSID))
		return
	}
	if isWS {
		srv.upgrade(w, r, s)
		return
	}
	s.mu.Lock()
	t, ok := s.transport.(*pollingTransport)
	s.mu.Unlock()
	switch {
	case !ok:
		writeError(w, requestError(CodeBadRequest))
	case r.Method == http.MethodGet:
		t.handleGet(w, r)
	case r.Method == http.MethodPost:
		t.handlePost(w, r)
	default:
		writeError(w, requestError(CodeBadRequest))
	}
}

func (srv *Server) checkHandshake(r *http.Request, eio string, isWS bool) *RequestError {
	if r.Method != http.MethodGet {
		return refusedFor(RefusedMethod, CodeBadHandshakeMethod)
	}
	if isWS && !originAllowed(srv.opts.CORS, r) {
		return &RequestError{Status: http.StatusForbidden, Code: CodeForbidden, Message: "Origin not allowed", cause: RefusedOrigin}
	}
	if srv.opts.AllowRequest != nil {
		if err := srv.opts.AllowRequest(r); err != nil {
			if e, ok := err.(*RequestError); ok {
				c := *e // the caller's, perhaps shared: not ours to mark
				c.cause = RefusedByAllowRequest
				return &c
			}
			return &RequestError{Status: http.StatusForbidden, Code: CodeForbidden, Message: err.Error(), cause: RefusedByAllowRequest}
		}
	}
	if eio != "4" {
		return refusedFor(RefusedVersion, CodeUnsupportedVersion)
	}
	srv.mu.RLock()
	defer srv.mu.RUnlock()
	return srv.refusal()
}

func (srv *Server) handshakePolling(w http.ResponseWriter, r *http.Request) {
	s := srv.newSession(r)
	t := newPollingTransport(s)
	s.transport = t
	if e := srv.open(s, true); e != nil {
		srv.refuse(w, e)
		return
	}
	t.handleGet(w, r)
}

func (srv *Server) handshakeWebSocket(w http.ResponseWriter, r *http.Request) {
	conn, err := srv.ws.Upgrade(w, r)
	if err != nil {
		srv.refused(&RequestError{Status: http.StatusBadRequest, Code: CodeBadRequest, cause: RefusedWebSocket}) // answered 400
		return
	}
	s := srv.newSession(r)
	t := newWSTransport(s, conn, false)
	s.transport = t
	if e := srv.open(s, false); e != nil {
		srv.refused(e)
		_ = conn.WriteClose(websocket.CodeTryAgainLater, e.Message)
		_ = conn.Close()
		return
	}
	srv.startReading(t)
}

// upgrade opens the WebSocket that a polling session probes before moving
// onto it.
func (srv *Server) upgrade(w http.ResponseWriter, r *http.Request, s *Session) {
	if !originAllowed(srv.opts.CORS, r) || srv.opts.DisableUpgrades {
		writeError(w, requestError(CodeBadRequest))
		return
	}
	if !s.reserveProbe() {
		srv.refuseWebSocket(w, r)
		return
	}
	conn, err := srv.ws.Upgrade(w, r)
	if err != nil {
		s.mu.Lock()
		s.reserved = false
		s.mu.Unlock()
		return
	}
	t := newWSTransport(s, conn, true)
	s.mu.Lock()
	s.reserved = false
	if s.probe != nil || s.state != stateOpen {
		s.mu.Unlock()
		t.shut(false)
		return
	}
	s.probe = t
	s.mu.Unlock()
	t.timer = time.AfterFunc(srv.opts.UpgradeTimeout, func() {
		s.mu.Lock()
		pending := s.probe == t
		s.mu.Unlock()
		if pending {
			t.dropProbe()
		}
	})
	srv.startReading(t)
}

// reserveProbe claims the session's one upgrade slot before the 101 goes
// out: a client may send its second handshake as soon as it reads the
// first 101, and that one must not become a second probe.
func (s *Session) reserveProbe() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, polling := s.transport.(*pollingTransport)
	if !polling || s.probe != nil || s.reserved || s.state != stateOpen {
		return false
	}
	s.reserved = true
	return true
}

// refuseWebSocket answers a WebSocket for a session that is being upgraded
// or already was, as Node's engine.io does: it completes the handshake and
// closes the WebSocket, which a client sees as a close, not as an error.
// The session and its own WebSocket are left alone.
func (srv *Server) refuseWebSocket(w http.ResponseWriter, r *http.Request) {
	conn, err := srv.ws.Upgrade(w, r)
	if err != nil {
		return // answered 400
	}
	_ = conn.WriteClose(websocket.CodeNormal, "")
	_ = conn.Close()
}

func (srv *Server) newSession(r *http.Request) *Session {
	req := newHandshakeRequest(r)
	s := &Session{id: sid.NewPrefixed(srv.prefix), srv: srv, req: req, created: time.Now(), done: make(chan struct{})}
	// A stopped timer until startHeartbeat, so that close can always stop it.
	s.hbTimer = time.AfterFunc(time.Hour, s.onHeartbeat)
	s.hbTimer.Stop()
	return s
}

// open queues the OPEN packet, registers the session, lets the layer above
// attach its receiver and starts the heartbeat. It refuses the session when
// the server is shutting down or full: those checks are repeated here, under
// the lock that registers, because the ones before the handshake race with
// Shutdown and with other handshakes.
func (srv *Server) open(s *Session, canUpgrade bool) *RequestError {
	upgrades := []string{}
	if canUpgrade {
		upgrades = srv.opts.upgrades()
	}
	data, _ := json.Marshal(handshake{
		SID: s.id, Upgrades: upgrades, MaxPayload: srv.opts.MaxHTTPBufferSize,
		PingInterval: srv.opts.PingInterval.Milliseconds(), PingTimeout: srv.opts.PingTimeout.Milliseconds(),
	})
	s.queue = append(s.queue, packet.Packet{Type: packet.Open, Data: data})
	srv.mu.Lock()
	if e := srv.refusal(); e != nil {
		srv.mu.Unlock()
		return e
	}
	srv.sessions[s.id] = s
	srv.wg.Add() // done when OnClose returns
	srv.mu.Unlock()
	// rmu keeps OnClose (should the layer above close the session at once)
	// waiting until the receiver exists.
	s.rmu.Lock()
	s.recv = srv.connect(s)
	if r, ok := s.recv.(enginehook.Receiver); ok {
		r.BindDeferrer((*deferrer)(s))
	}
	s.rmu.Unlock()
	s.startHeartbeat()
	if o := srv.opts.Observer; o != nil {
		o.SessionOpened(s.transport.name())
	}
	s.mu.Lock()
	s.transport.kick()
	s.mu.Unlock()
	srv.opts.Logger.Debug("engineio: session opened", "sid", s.id, "transport", s.transport.name())
	return nil
}

// refuse answers a request with e, and tells the Observer.
func (srv *Server) refuse(w http.ResponseWriter, e *RequestError) {
	srv.refused(e)
	writeError(w, e)
}

// refused tells the Observer of a refused handshake.
func (srv *Server) refused(e *RequestError) {
	if o := srv.opts.Observer; o != nil {
		o.HandshakeRefused(e.cause, e)
	}
}

// refusal says why no session may open now, if so; the caller holds srv.mu.
func (srv *Server) refusal() *RequestError {
	switch {
	case srv.closing:
		return &RequestError{Status: http.StatusServiceUnavailable, Code: CodeForbidden, Message: "Server is shutting down", cause: RefusedShuttingDown}
	case srv.opts.MaxConnections > 0 && len(srv.sessions) >= srv.opts.MaxConnections:
		// Logged once, not per refusal: a client that hammers a full
		// server must not fill its log too.
		if srv.atLimit.CompareAndSwap(false, true) {
			srv.opts.Logger.Warn("engineio: connection limit reached, refusing new sessions with 503", "max_connections", srv.opts.MaxConnections)
		}
		return &RequestError{Status: http.StatusServiceUnavailable, Code: CodeForbidden, Message: "Too many connections", cause: RefusedMaxConnections}
	}
	return nil
}

type handshake struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int64    `json:"pingInterval"`
	PingTimeout  int64    `json:"pingTimeout"`
	MaxPayload   int64    `json:"maxPayload"`
}

// remove takes s out of the session table; with ended, it keeps its id for
// the poll its client may have sent with the close, in the same critical
// section so that no request sees neither.
func (srv *Server) remove(s *Session, ended bool) {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.sessions[s.id] != s {
		return
	}
	delete(srv.sessions, s.id)
	if srv.atLimit.Load() && len(srv.sessions) <= srv.opts.MaxConnections*9/10 {
		srv.atLimit.Store(false) // the next time the limit is reached is logged
	}
	if ended {
		srv.addEnded(s.id)
	}
}

// Shutdown refuses new sessions, sends each open session what is queued
// for it and closes it with reason "server shutting down", then waits until
// every session and connection goroutine has finished. When ctx ends first,
// the sessions still open are closed at once and ctx's error returned.
func (srv *Server) Shutdown(ctx context.Context) error {
	defer srv.ws.Close() // the poller and its goroutines
	for _, s := range srv.stopAccepting() {
		s.closeGracefully(ReasonServerShutdown)
	}
	if srv.wg.Wait(ctx) == nil {
		return nil
	}
	for _, s := range srv.stopAccepting() {
		s.close(ReasonServerShutdown, nil)
	}
	return ctx.Err()
}

// stopAccepting refuses new sessions and returns the open ones.
func (srv *Server) stopAccepting() []*Session {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	srv.closing = true
	all := make([]*Session, 0, len(srv.sessions))
	for _, s := range srv.sessions {
		all = append(all, s)
	}
	return all
}
