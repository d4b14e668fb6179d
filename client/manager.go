package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/duplexio/duplex/client/engineio"
	"github.com/duplexio/duplex/internal/activity"
	"github.com/duplexio/duplex/parser"
	"github.com/duplexio/duplex/parser/msgpackparser"
)

// closeTimeout bounds the graceful part of closing: flushing what is
// queued, and waiting for handlers that are still running.
const closeTimeout = 10 * time.Second

// Manager is one connection to a server (an Engine.IO session, replaced by
// a new one when it is lost) shared by the sockets of any number of
// namespaces, like socket.io-client's Manager. It reconnects with
// exponential backoff while some socket wants to be connected, and closes
// the connection when none does. It is safe for concurrent use.
//
// Lock order: Manager.mu, then Socket.mu, then the engine's.
type Manager struct {
	opts      Options
	cfg       *engineio.Config
	transport *http.Transport // ours, when Options.HTTPClient is nil

	ctx    context.Context // ends with Close
	cancel context.CancelFunc

	bg     activity.Counter // connect loops, engine goroutines being waited for
	events *dispatcher      // the Manager's own events

	mu        sync.Mutex
	sockets   map[string]*Socket // by namespace
	eng       engineConn         // the open connection, nil when none
	loop      *connectLoop       // the running connect loop, nil when none
	closed    bool
	listeners managerListeners
}

// managerListeners are the Manager's event listeners, guarded by mu.
type managerListeners struct {
	open             []func()
	close            []func(reason string, err error)
	reconnectAttempt []func(attempt int)
	reconnect        []func(attempt int)
	reconnectError   []func(err error)
	reconnectFailed  []func()
}

// NewManager returns a Manager for the server at rawURL (http, https, ws
// or wss; its path is ignored, the Socket.IO path is Options.Path). It
// does not connect: Socket(...).Connect does.
func NewManager(rawURL string, opts *Options) (*Manager, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	base, _, err := parseURL(rawURL, &o)
	if err != nil {
		return nil, err
	}
	return newManager(base, o), nil
}

func newManager(base *url.URL, o Options) *Manager {
	m := &Manager{opts: o, sockets: map[string]*Socket{}}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	client := o.HTTPClient
	if client == nil {
		m.transport = &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			TLSClientConfig:     o.TLSConfig,
			MaxIdleConnsPerHost: 4,
			IdleConnTimeout:     90 * time.Second,
			TLSHandshakeTimeout: o.Timeout,
		}
		client = &http.Client{Transport: m.transport}
	}
	m.cfg = &engineio.Config{
		URL: base, Header: o.Header, Transports: o.Transports, HTTPClient: client,
		TLSConfig: o.TLSConfig, Timeout: o.Timeout, WriteQueueSize: o.WriteQueueSize, Logger: o.Logger,
	}
	m.events = m.newDispatcher()
	return m
}

func (m *Manager) newDispatcher() *dispatcher {
	return &dispatcher{logger: m.opts.Logger}
}

// Socket returns the socket of namespace nsp ("/" if empty; a leading "/"
// is added), creating it on first use: one per namespace, all over the
// Manager's connection. It is not connected: see Socket.Connect. opts
// applies only when the socket is created; nil takes the Manager's Auth.
func (m *Manager) Socket(nsp string, opts *SocketOptions) *Socket {
	if !strings.HasPrefix(nsp, "/") {
		nsp = "/" + nsp
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if s := m.sockets[nsp]; s != nil {
		return s
	}
	s := newSocket(m, nsp, opts)
	m.sockets[nsp] = s
	return s
}

// Transport returns the name of the transport in use ("polling" or
// "websocket"), or "" while there is no connection.
func (m *Manager) Transport() string {
	m.mu.Lock()
	e := m.eng
	m.mu.Unlock()
	if e == nil {
		return ""
	}
	return e.Transport()
}

// EngineID returns the Engine.IO session id of the connection, or "" while
// there is none.
func (m *Manager) EngineID() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.eng == nil {
		return ""
	}
	return m.eng.ID()
}

// Close disconnects every socket, closes the connection and stops
// reconnecting, for good. It waits for the Manager's goroutines to end,
// handlers included (the "disconnect" ones run before it returns), except
// on a socket (or the Manager's own events) whose handler is running when
// Close is called: Close may be called by that handler, and cannot tell,
// so that socket's handlers go on once the running one returns.
func (m *Manager) Close() error {
	skip := m.busyDispatchers()
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		m.waitAll(nil, skip)
		return nil
	}
	m.closed = true
	for _, s := range m.sockets {
		s.mu.Lock()
		s.endLocked(ReasonClientDisconnect, ErrClosed, true)
		s.mu.Unlock()
	}
	e := m.detachLocked()
	m.mu.Unlock()
	m.cancel()
	m.waitAll(e, skip)
	return nil
}

// waitAll closes e (if not nil) gracefully and waits for the goroutines,
// the dispatchers in skip excepted.
func (m *Manager) waitAll(e engineConn, skip []*dispatcher) {
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	if e != nil {
		e.Close(ctx)
		e.Wait()
	}
	_ = m.bg.Wait(ctx)
	for _, d := range m.dispatchers() {
		if !slices.Contains(skip, d) {
			_ = d.wait(ctx)
		}
	}
	m.releaseIdle()
}

// goBackground runs f on a goroutine that Close waits for.
func (m *Manager) goBackground(f func()) {
	m.bg.Add()
	go func() {
		defer m.bg.Done()
		f()
	}()
}

// dispatchers returns the Manager's dispatchers: its own and its
// sockets'.
func (m *Manager) dispatchers() []*dispatcher {
	m.mu.Lock()
	defer m.mu.Unlock()
	ds := make([]*dispatcher, 0, 1+len(m.sockets))
	ds = append(ds, m.events)
	for _, s := range m.sockets {
		ds = append(ds, s.d)
	}
	return ds
}

// busyDispatchers returns the dispatchers running a handler now, one of
// which may be the caller's: a Close must not wait for them.
func (m *Manager) busyDispatchers() []*dispatcher {
	var busy []*dispatcher
	for _, d := range m.dispatchers() {
		if d.busy() {
			busy = append(busy, d)
		}
	}
	return busy
}

// releaseIdle closes the idle HTTP connections of our own client, which
// would otherwise keep goroutines.
func (m *Manager) releaseIdle() {
	if m.transport != nil {
		m.transport.CloseIdleConnections()
	}
}

// hasActiveLocked reports whether some socket wants to be connected.
func (m *Manager) hasActiveLocked() bool {
	for _, s := range m.sockets {
		if s.Active() {
			return true
		}
	}
	return false
}

// detachLocked stops the connect loop and takes the open engine away, to
// be closed by the caller.
func (m *Manager) detachLocked() engineConn {
	if m.loop != nil {
		m.loop.cancel()
		m.loop = nil
	}
	e := m.eng
	m.eng = nil
	return e
}

// socketEndedLocked is called, with m.mu held, when a socket no longer
// wants to be connected. When no socket does (last), the connect loop is
// stopped and the connection, if any, taken away for the caller to close.
func (m *Manager) socketEndedLocked() (e engineConn, last bool) {
	if m.hasActiveLocked() {
		return nil, false
	}
	return m.detachLocked(), true
}

// closeLater closes e on a goroutine of its own: for callers on the
// engine's read path, which cannot wait for it.
func (m *Manager) closeLater(e engineConn) {
	if e == nil {
		return
	}
	m.goBackground(func() {
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		defer cancel()
		e.Close(ctx)
		e.Wait()
		m.releaseIdle()
	})
}

// activateLocked makes s try to connect: over the open connection, or by
// starting the connect loop when there is none. m.mu is held.
func (m *Manager) activateLocked(s *Socket) {
	if m.eng != nil {
		e := m.eng
		s.dispatch(func() { s.sendConnect(e) })
		return
	}
	if m.loop == nil {
		m.startLoopLocked(false)
	}
}

// route hands a packet to the socket of its namespace; packets for other
// namespaces are ignored, as socket.io-client does.
func (m *Manager) route(e engineConn, p *parser.Packet) {
	m.mu.Lock()
	s := m.sockets[p.Namespace]
	m.mu.Unlock()
	if s != nil {
		s.onPacket(e, p)
	}
}

// onEngineClose handles the end of an engine: its sockets are
// disconnected, and reconnection starts if it should.
func (m *Manager) onEngineClose(e engineConn, reason string, err error) {
	m.goBackground(func() {
		e.Wait()
		m.releaseIdle()
	})
	m.mu.Lock()
	if m.eng != e {
		m.mu.Unlock()
		return
	}
	m.eng = nil
	reconnect := !m.closed && !m.opts.DisableReconnection
	for _, s := range m.sockets {
		s.engineClosed(e, reason, err, reconnect)
	}
	if reconnect && m.hasActiveLocked() && m.loop == nil {
		m.startLoopLocked(true)
	}
	fns := m.listeners.close
	m.mu.Unlock()
	m.opts.Logger.Debug("client: connection closed", "reason", reason, "err", err)
	for _, fn := range fns {
		m.events.dispatch(func() { fn(reason, err) })
	}
}

// conn bridges one engine to the Manager's sockets: it decodes the
// Socket.IO packets of the engine's messages and routes them.
type conn struct {
	m   *Manager
	dec parser.Decoder // used from onMessage only, whose calls do not overlap
}

var _ engineio.Handler = (*conn)(nil)

func (c *conn) OnMessage(e *engineio.Conn, data []byte, binary bool) {
	var p *parser.Packet
	var err error
	switch {
	case c.m.opts.Parser == ParserMsgpack && !binary:
		err = fmt.Errorf("%w: text message with the msgpack parser", parser.ErrInvalidPacket)
	case c.m.opts.Parser == ParserMsgpack:
		p, err = msgpackparser.Decode(data)
	case binary:
		p, err = c.dec.DecodeBinary(data)
	default:
		p, err = c.dec.DecodeText(data)
	}
	if err != nil {
		c.m.opts.Logger.Debug("client: invalid packet", "err", err)
		e.Abort(ReasonParseError, err)
		return
	}
	if p != nil {
		c.m.route(e, p)
	}
}

func (c *conn) OnClose(e *engineio.Conn, reason string, err error) { c.m.onEngineClose(e, reason, err) }

// Manager events. The listeners run on a goroutine of the Manager's, one
// at a time, in order.

// OnOpen registers a listener called when a connection opens.
func (m *Manager) OnOpen(fn func()) {
	m.mu.Lock()
	m.listeners.open = append(m.listeners.open, fn)
	m.mu.Unlock()
}

// OnClose registers a listener called when the connection closes, with
// the reason (a Reason constant) and the error behind it, if any.
func (m *Manager) OnClose(fn func(reason string, err error)) {
	m.mu.Lock()
	m.listeners.close = append(m.listeners.close, fn)
	m.mu.Unlock()
}

// OnReconnectAttempt registers a listener called before each reconnection
// attempt, with its number (from 1).
func (m *Manager) OnReconnectAttempt(fn func(attempt int)) {
	m.mu.Lock()
	m.listeners.reconnectAttempt = append(m.listeners.reconnectAttempt, fn)
	m.mu.Unlock()
}

// OnReconnect registers a listener called when a reconnection succeeded,
// with the number of attempts it took.
func (m *Manager) OnReconnect(fn func(attempt int)) {
	m.mu.Lock()
	m.listeners.reconnect = append(m.listeners.reconnect, fn)
	m.mu.Unlock()
}

// OnReconnectError registers a listener called when a reconnection attempt
// failed.
func (m *Manager) OnReconnectError(fn func(err error)) {
	m.mu.Lock()
	m.listeners.reconnectError = append(m.listeners.reconnectError, fn)
	m.mu.Unlock()
}

// OnReconnectFailed registers a listener called when the Manager gives up
// after Options.ReconnectionAttempts attempts.
func (m *Manager) OnReconnectFailed(fn func()) {
	m.mu.Lock()
	m.listeners.reconnectFailed = append(m.listeners.reconnectFailed, fn)
	m.mu.Unlock()
}
