package socketio

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/internal/sid"
	"github.com/duplexio/duplex/parser"
)

// Socket is one client connected to one namespace. It is safe for
// concurrent use.
type Socket struct {
	id        string
	ns        *Namespace
	conn      *conn
	auth      json.RawMessage
	hsOnce    sync.Once
	handshake *Handshake // built on first use: most sockets never need one
	acks      ackTable
	recovery  // see recovery.go

	dataMu sync.RWMutex
	data   any

	mu        sync.Mutex
	connected bool        // passed the middleware and not yet closing
	closing   atomic.Bool // disconnecting: receives and sends nothing more

	argErrLogged atomic.Bool // an ArgError of this socket was logged

	// sctx is made by the first Context call, since most sockets never
	// need one (a cancellable context costs about 100 bytes per socket),
	// and ended by endContext; guarded by mu.
	sctx *socketContext

	released atomic.Bool // no longer counted in its namespace (Namespace.hold)
	listeners
	dispatcher
}

func newSocket(ns *Namespace, c *conn, auth json.RawMessage) *Socket {
	s := &Socket{id: sid.New(), ns: ns, conn: c, auth: auth}
	s.acks.conn, s.acks.ns = c, ns
	return s
}

// ID returns the socket id: 20 URL-safe characters, also the name of the
// socket's own room.
func (s *Socket) ID() string { return s.id }

// Namespace returns the socket's namespace.
func (s *Socket) Namespace() *Namespace { return s.ns }

// Server returns the server.
func (s *Socket) Server() *Server { return s.ns.server }

// Handshake returns the details of the connection: headers, query, auth
// payload, address, time.
func (s *Socket) Handshake() *Handshake {
	s.hsOnce.Do(func() {
		s.handshake = newHandshake(s.conn.session.Request(), s.conn.session.Created(), s.auth)
	})
	return s.handshake
}

// Conn returns the engine session carrying the socket (shared by the
// socket's sibling namespaces on the same connection).
func (s *Socket) Conn() *engineio.Session { return s.conn.session }

// Connected reports whether the socket is connected and not disconnecting.
func (s *Socket) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connected && !s.closing.Load()
}

// Context returns a context that is cancelled when the socket disconnects,
// for the work its handlers start: a query, a subscription, a goroutine
// that should not outlive the client. Its cause (context.Cause) wraps
// ErrDisconnected and names the reason.
func (s *Socket) Context() context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch s.sctx {
	case nil:
		ctx, cancel := context.WithCancelCause(context.Background())
		s.sctx = &socketContext{ctx, cancel}
	case endedContext: // disconnected before anyone asked
		ctx, cancel := context.WithCancelCause(context.Background())
		cancel(ErrDisconnected)
		return ctx
	}
	return s.sctx.ctx
}

// socketContext is the context of Socket.Context.
type socketContext struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
}

// endedContext marks a socket that ended without a context made.
var endedContext = new(socketContext)

// endContext cancels the socket's context, or marks that one made later
// starts cancelled.
func (s *Socket) endContext(reason string) {
	s.mu.Lock()
	sc := s.sctx
	if sc == nil {
		s.sctx = endedContext
	}
	s.mu.Unlock()
	if sc != nil && sc != endedContext {
		sc.cancel(fmt.Errorf("%w: %s", ErrDisconnected, reason))
	}
}

// Recovered reports whether the connection state (id, rooms, data) was
// recovered after a reconnection, with the missed broadcasts replayed; see
// Options.ConnectionStateRecovery.
func (s *Socket) Recovered() bool { return s.recovered }

// Data returns the value set by SetData (nil by default).
func (s *Socket) Data() any {
	s.dataMu.RLock()
	defer s.dataMu.RUnlock()
	return s.data
}

// SetData attaches an arbitrary value to the socket, as socket.data does in
// Node; FetchSockets returns it (in a cluster, as JSON).
func (s *Socket) SetData(v any) {
	s.dataMu.Lock()
	s.data = v
	s.dataMu.Unlock()
}

// Join adds the socket to rooms.
func (s *Socket) Join(rooms ...string) { s.ns.adapter.AddAll(s.id, rooms) }

// Leave removes the socket from room.
func (s *Socket) Leave(room string) { s.ns.adapter.Del(s.id, room) }

// Rooms returns the rooms the socket is in, its own id included, sorted.
func (s *Socket) Rooms() []string { return s.ns.adapter.SocketRooms(s.id) }

// InRoom reports whether the socket is in room (its own id is one). It is
// one lookup in the adapter (76 ns), where Rooms copies and sorts every
// room: 56 to 133 ms per call for a socket in 100,000 rooms
// (BenchmarkSocketRoomCheck).
func (s *Socket) InRoom(room string) bool {
	if rc, ok := s.ns.adapter.(adapter.RoomChecker); ok {
		return rc.InRoom(s.id, room)
	}
	return slices.Contains(s.Rooms(), room)
}

// Disconnect disconnects the socket from its namespace: the client gets a
// DISCONNECT packet ("io server disconnect") and the socket's disconnect
// listeners get "server namespace disconnect". With close, every socket of
// the same connection is disconnected and the connection is closed.
func (s *Socket) Disconnect(close bool) {
	if !s.Connected() {
		return
	}
	if close {
		s.conn.disconnectAll()
		return
	}
	// Closing first: a client that gets the DISCONNECT may close its
	// connection at once, and that "transport close" must not win the
	// race for the reason (Node runs both in one tick). The write does not
	// check closing.
	s.onClose(ReasonServerDisconnect, nil)
	_ = s.write(&parser.Packet{Type: parser.Disconnect, Namespace: s.ns.name}, false)
}

// runConnect is the first job of a socket's dispatcher: the middleware,
// then the CONNECT answer and the connection handlers.
func (s *Socket) runConnect() {
	s.resume(s.auth) // here, not on the connection's read path: a store may be remote
	if s.skipsMiddlewares() {
		// A recovered session passed them when it first connected.
	} else if err := s.runMiddlewares(); err != nil {
		s.endContext("connection refused") // a middleware may have asked for it
		s.conn.removeSocket(s)
		s.releaseNamespace()
		ce := toConnectError(err)
		_ = s.conn.writePacket(&parser.Packet{Type: parser.ConnectError, Namespace: s.ns.name, Data: ce.payload()})
		s.logger().Debug("socketio: connection refused", "nsp", s.ns.name, "err", err)
		return
	}
	s.mu.Lock()
	if s.closing.Load() {
		s.mu.Unlock()
		return
	}
	s.connected = true
	s.mu.Unlock()
	s.replayMissed()
	s.ns.add(s)
	s.finishCatchUp()
	s.keepSession()
	if o := s.ns.server.opts.Observer; o != nil {
		o.Connected(s.ns.observedName())
	}
	s.conn.connected()
	_ = s.conn.writePacket(&parser.Packet{Type: parser.Connect, Namespace: s.ns.name, Data: s.connectData()})
	s.logger().Debug("socketio: connected", "nsp", s.ns.name, "id", s.id, "transport", s.conn.session.Transport())
	if m := s.ns.server.opts.Monitor; m != nil {
		m.SocketConnected(s)
	}
	for _, fn := range s.ns.connectionHandlers() {
		s.protect(PanicConnection, "connection", func() { fn(s) })
	}
}

func (s *Socket) runMiddlewares() (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.logPanic(PanicMiddleware, "middleware", r)
			err = &ConnectError{Message: "Internal server error"}
		}
	}()
	return s.ns.runMiddlewares(s)
}

// releaseNamespace tells the namespace, once, that the socket left it
// (refused by its middleware, or disconnected).
func (s *Socket) releaseNamespace() {
	if s.released.CompareAndSwap(false, true) {
		s.ns.release()
	}
}

// onClose starts the disconnection: from now on the socket emits nothing
// and its pending acknowledgement waits fail; the listeners run on the
// dispatcher after what is already queued.
func (s *Socket) onClose(reason string, err error) {
	s.mu.Lock()
	if s.closing.Load() {
		s.mu.Unlock()
		return
	}
	s.closing.Store(true)
	s.mu.Unlock()
	s.endContext(reason)
	s.conn.removeSocket(s)
	s.acks.failAll(s)
	s.dispatch(func() { s.finishClose(reason, err) })
}

// finishClose runs the "disconnecting" listeners while the socket is still
// in its rooms, leaves them, then runs the "disconnect" listeners.
func (s *Socket) finishClose(reason string, err error) {
	s.emitReserved("disconnecting", reason, err)
	session := s.sessionToPersist(reason)
	s.ns.remove(s)
	if session != nil {
		s.ns.store.PersistSession(session)
	} else {
		s.discardSession()
	}
	s.mu.Lock()
	was := s.connected
	s.connected = false
	s.mu.Unlock()
	if o := s.ns.server.opts.Observer; was && o != nil {
		o.Disconnected(s.ns.observedName(), reason)
	}
	if m := s.ns.server.opts.Monitor; was && m != nil {
		m.SocketDisconnected(s, reason)
	}
	s.emitReserved("disconnect", reason, err)
	s.logger().Debug("socketio: disconnected", "nsp", s.ns.name, "id", s.id, "reason", reason)
}
