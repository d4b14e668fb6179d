package client

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	"github.com/duplexio/duplex/parser"
)

// socketState is where a socket is in its life.
type socketState int

const (
	stateIdle       socketState = iota // never asked to connect: emits are buffered
	stateConnecting                    // wants to be connected, waits for the server
	stateConnected
	stateClosed // gave up, or told to: emits fail
)

// Socket is a connection to one namespace of a server, over its Manager's
// connection. It is safe for concurrent use.
//
// Its handlers run one at a time, in the order the packets arrived, on a
// goroutine of their own, so a handler may block (on EmitWithAck, say)
// without stalling the connection.
type Socket struct {
	m    *Manager
	nsp  string
	opts SocketOptions
	acks ackTable
	d    *dispatcher

	slots chan struct{} // bounds the events waiting for handlers

	mu        sync.Mutex
	state     socketState
	eng       engineConn // the connection the socket is connected over
	id        string
	pid       string // the server's session id for connection state recovery
	offset    string // the offset of the last event received, for recovery
	recovered bool
	ackID     uint64
	sendBuf   []*outPacket // emits waiting for a connection
	early     []earlyEvent // events received before the CONNECT answer
	waiters   []chan error // Connect calls
	listeners
}

// outPacket is a packet waiting in the send buffer.
type outPacket struct {
	p *parser.Packet
	w *ackWaiter // nil when no ack is asked
}

func newSocket(m *Manager, nsp string, opts *SocketOptions) *Socket {
	s := &Socket{m: m, nsp: nsp, d: m.newDispatcher(), slots: make(chan struct{}, maxPendingEvents)}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.Auth == nil && s.opts.AuthFunc == nil {
		s.opts.Auth, s.opts.AuthFunc = m.opts.Auth, m.opts.AuthFunc
	}
	return s
}

// Dial connects to the namespace that rawURL's path names ("/" when none)
// on the server at rawURL (http, https, ws or wss), with a Manager of its
// own, and waits until the server accepted the connection or ctx ends.
// Closing the socket closes that Manager's connection.
//
// A refusal of the namespace (a middleware error) is a *ConnectError.
func Dial(ctx context.Context, rawURL string, opts *Options) (*Socket, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	base, nsp, err := parseURL(rawURL, &o)
	if err != nil {
		return nil, err
	}
	m := newManager(base, o)
	s := m.Socket(nsp, nil)
	if err := s.Connect(ctx); err != nil {
		_ = m.Close()
		return nil, err
	}
	return s, nil
}

// Connect connects the socket, or reconnects it after a disconnection,
// and waits until the server accepted it, refused it (a *ConnectError),
// the connection could not be opened, or ctx ended. On error the socket
// stays disconnected. Once connected, it reconnects by itself after the
// connection is lost, unless the server or Close disconnected it.
func (s *Socket) Connect(ctx context.Context) error {
	m := s.m
	ch := make(chan error, 1)
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return ErrClosed
	}
	s.mu.Lock()
	if s.state == stateConnected {
		s.mu.Unlock()
		m.mu.Unlock()
		return nil
	}
	fresh := s.state != stateConnecting
	s.state = stateConnecting
	s.waiters = append(s.waiters, ch)
	s.mu.Unlock()
	if fresh {
		m.activateLocked(s)
	}
	m.mu.Unlock()
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		return s.abandon(ch, ctx.Err())
	}
}

// abandon ends a Connect call whose context ended: unless the socket
// connected meanwhile or another Connect call still waits, the socket is
// closed.
func (s *Socket) abandon(ch chan error, cause error) error {
	m := s.m
	skip := m.busyDispatchers()
	m.mu.Lock()
	s.mu.Lock()
	select {
	case err := <-ch:
		s.mu.Unlock()
		m.mu.Unlock()
		return err
	default:
	}
	s.waiters = slices.DeleteFunc(s.waiters, func(c chan error) bool { return c == ch })
	err := fmt.Errorf("client: connect to namespace %s: %w", s.nsp, cause)
	if len(s.waiters) == 0 && s.state == stateConnecting {
		s.endLocked(ReasonClientDisconnect, err, false)
	}
	s.mu.Unlock()
	e, last := m.socketEndedLocked()
	m.mu.Unlock()
	if last {
		m.waitAll(e, skip)
	}
	return err
}

// Close disconnects the socket from its namespace; its "disconnect"
// listeners get "io client disconnect". When no other socket of the
// Manager is connected or connecting, the connection is closed too, after
// what was emitted is written, and Close waits for the Manager's
// goroutines (see Manager.Close). The socket may be connected again.
func (s *Socket) Close() error {
	m := s.m
	skip := m.busyDispatchers()
	m.mu.Lock()
	s.mu.Lock()
	s.endLocked(ReasonClientDisconnect, ErrDisconnected, true)
	s.mu.Unlock()
	e, last := m.socketEndedLocked()
	m.mu.Unlock()
	if last {
		m.waitAll(e, skip)
	}
	return nil
}

// ID returns the socket id the server gave, or "" while not connected.
func (s *Socket) ID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.id
}

// Namespace returns the namespace, such as "/" or "/admin".
func (s *Socket) Namespace() string { return s.nsp }

// Manager returns the Manager of the socket's connection.
func (s *Socket) Manager() *Manager { return s.m }

// Connected reports whether the socket is connected.
func (s *Socket) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state == stateConnected
}

// Active reports whether the socket is connected or trying to be (it
// will reconnect by itself).
func (s *Socket) Active() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.activeLocked()
}

// Recovered reports whether the last connection recovered the state of
// the previous one: the server knew the session (connection state
// recovery), kept the socket's id and rooms, and sent the events missed
// meanwhile. It needs a server that supports recovery.
func (s *Socket) Recovered() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.recovered
}

func (s *Socket) activeLocked() bool {
	return s.state == stateConnecting || s.state == stateConnected
}

// wantsConnect reports whether the socket waits for a connection to send
// its CONNECT over.
func (s *Socket) wantsConnect() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state == stateConnecting
}

func (s *Socket) dispatch(job func()) { s.d.dispatch(job) }

// sendConnect sends the CONNECT packet over e, with the auth payload and,
// for connection state recovery, the session id and offset. It runs on
// the dispatcher, since AuthFunc is user code.
func (s *Socket) sendConnect(e engineConn) {
	ctx, cancel := context.WithTimeout(e.Context(), s.m.opts.Timeout)
	defer cancel()
	auth, err := s.authPayload(ctx)
	if err != nil {
		s.refuse(fmt.Errorf("client: auth for %s: %w", s.nsp, err))
		return
	}
	s.mu.Lock()
	data, err := connectData(auth, s.pid, s.offset)
	if err == nil && s.state == stateConnecting {
		p := &parser.Packet{Type: parser.Connect, Namespace: s.nsp, Data: data}
		_ = e.Write(s.m.encode(p)...) // a closed engine: the next one sends again
	}
	s.mu.Unlock()
	if err != nil {
		s.refuse(fmt.Errorf("client: auth for %s: %w", s.nsp, err))
	}
}

// refuse ends a connection attempt that cannot go on (a CONNECT_ERROR, an
// AuthFunc error): the socket is closed and its connect_error listeners
// get err. The Manager's connection is closed if no socket needs it.
func (s *Socket) refuse(err error) {
	m := s.m
	m.mu.Lock()
	s.mu.Lock()
	if s.state != stateConnecting {
		s.mu.Unlock()
		m.mu.Unlock()
		return
	}
	s.endLocked("", err, false)
	s.dispatchConnectErrorLocked(err)
	s.mu.Unlock()
	e, _ := m.socketEndedLocked()
	m.mu.Unlock()
	m.closeLater(e)
}

// authPayload returns the auth payload as JSON, nil when there is none.
func (s *Socket) authPayload(ctx context.Context) (json.RawMessage, error) {
	v := s.opts.Auth
	if s.opts.AuthFunc != nil {
		var err error
		if v, err = s.opts.AuthFunc(ctx); err != nil {
			return nil, err
		}
	}
	if v == nil {
		return nil, nil
	}
	if raw, ok := v.(json.RawMessage); ok {
		return raw, nil
	}
	return json.Marshal(v)
}

// connectData returns the CONNECT payload: auth, with the recovery fields
// added when the server gave a session id (auth's own fields win, as in
// socket.io-client).
func connectData(auth json.RawMessage, pid, offset string) (json.RawMessage, error) {
	if pid == "" {
		if len(auth) > 0 && auth[0] != '{' {
			return nil, fmt.Errorf("payload %s is not a JSON object", auth)
		}
		return auth, nil
	}
	fields := map[string]json.RawMessage{}
	if len(auth) > 0 {
		if err := json.Unmarshal(auth, &fields); err != nil {
			return nil, fmt.Errorf("payload %s is not a JSON object", auth)
		}
	}
	if _, ok := fields["pid"]; !ok {
		fields["pid"], _ = json.Marshal(pid)
	}
	if _, ok := fields["offset"]; !ok && offset != "" {
		fields["offset"], _ = json.Marshal(offset)
	}
	return json.Marshal(fields)
}
