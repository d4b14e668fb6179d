package socketio

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"time"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/parser"
)

// Namespace is a communication channel that splits the sockets of a server:
// each has its own middleware, connection handlers, rooms and adapter.
type Namespace struct {
	name    string
	server  *Server
	parent  *ParentNamespace
	adapter adapter.Adapter
	ackIDs  atomic.Uint64         // shared by all sockets, so one id serves a whole broadcast
	store   adapter.SessionStore  // nil unless recovering connection states; see recovery.go
	keeper  adapter.SessionKeeper // store, when it keeps connected sockets' sessions too

	mu           sync.RWMutex
	sockets      map[string]*Socket
	members      int  // sockets joining or connected: see hold
	removed      bool // an empty child taken out (CleanupEmptyChildNamespaces)
	middlewares  []func(*Socket) error
	onConnection []func(*Socket)

	serverSide serverSideHandlers // see namespace_cluster.go
}

func newNamespace(s *Server, name string, parent *ParentNamespace) *Namespace {
	ns := &Namespace{name: name, server: s, parent: parent, sockets: map[string]*Socket{}}
	ns.adapter = s.opts.Adapter(ns.handle())
	if st, ok := ns.adapter.(adapter.SessionStore); ok && s.opts.ConnectionStateRecovery != nil {
		ns.store = st
		if ra, ok := st.(adapter.RecoveryAware); ok {
			ra.EnableRecovery(s.opts.ConnectionStateRecovery.MaxDisconnectionDuration)
		}
		if k, ok := st.(adapter.SessionKeeper); ok && k.KeepSessions(ns.connectedSessions) {
			ns.keeper = k
		}
	}
	return ns
}

// Name returns the namespace name, such as "/" or "/admin".
func (ns *Namespace) Name() string { return ns.name }

// Server returns the server the namespace belongs to.
func (ns *Namespace) Server() *Server { return ns.server }

// Adapter returns the namespace's adapter.
func (ns *Namespace) Adapter() adapter.Adapter { return ns.adapter }

// Use adds a middleware, run for each connecting socket in the order added.
// A non-nil error refuses the connection: the client's connect_error gets
// it (see ConnectError).
func (ns *Namespace) Use(fn func(*Socket) error) {
	ns.mu.Lock()
	ns.middlewares = append(ns.middlewares, fn)
	ns.mu.Unlock()
}

// OnConnection registers a handler called for each socket that connected.
// Listeners registered on the socket inside it see every packet the client
// sends after connecting.
func (ns *Namespace) OnConnection(fn func(*Socket)) {
	ns.mu.Lock()
	ns.onConnection = append(ns.onConnection, fn)
	ns.mu.Unlock()
}

// Sockets returns the sockets connected to this namespace on this node.
func (ns *Namespace) Sockets() []*Socket {
	ns.mu.RLock()
	defer ns.mu.RUnlock()
	out := make([]*Socket, 0, len(ns.sockets))
	for _, s := range ns.sockets {
		out = append(out, s)
	}
	return out
}

// Socket returns the local socket with the given id, or nil.
func (ns *Namespace) Socket(id string) *Socket {
	ns.mu.RLock()
	defer ns.mu.RUnlock()
	return ns.sockets[id]
}

// runMiddlewares runs the parent's middleware, then the namespace's own.
func (ns *Namespace) runMiddlewares(s *Socket) error {
	var fns []func(*Socket) error
	if ns.parent != nil {
		fns = ns.parent.middlewareList()
	}
	ns.mu.RLock()
	fns = append(fns, ns.middlewares...)
	ns.mu.RUnlock()
	for _, fn := range fns {
		if err := fn(s); err != nil {
			return err
		}
	}
	return nil
}

func (ns *Namespace) connectionHandlers() []func(*Socket) {
	var fns []func(*Socket)
	if ns.parent != nil {
		fns = ns.parent.connectionList()
	}
	ns.mu.RLock()
	defer ns.mu.RUnlock()
	return append(fns, ns.onConnection...)
}

func (ns *Namespace) add(s *Socket) {
	ns.mu.Lock()
	ns.sockets[s.id] = s
	ns.mu.Unlock()
	ns.adapter.AddAll(s.id, s.initialRooms())
}

func (ns *Namespace) remove(s *Socket) {
	ns.adapter.DelAll(s.id)
	ns.mu.Lock()
	if ns.sockets[s.id] == s {
		delete(ns.sockets, s.id)
	}
	ns.mu.Unlock()
	s.releaseNamespace()
}

// hold counts a socket joining ns, from its CONNECT packet until it
// leaves: its middleware may still run, so that ns.sockets cannot tell
// whether the namespace is in use. It reports false for a child already
// removed, which the caller must not join.
func (ns *Namespace) hold() bool {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	if ns.removed {
		return false
	}
	ns.members++
	return true
}

// isRemoved reports whether ns was removed as an empty child.
func (ns *Namespace) isRemoved() bool {
	ns.mu.RLock()
	defer ns.mu.RUnlock()
	return ns.removed
}

// release undoes hold; the last socket to leave a child removes it when
// the server cleans up empty children.
func (ns *Namespace) release() {
	ns.mu.Lock()
	ns.members--
	empty := ns.members == 0 && ns.parent != nil && ns.server.opts.CleanupEmptyChildNamespaces
	if empty {
		ns.removed = true
	}
	ns.mu.Unlock()
	if empty {
		ns.parent.removeChild(ns)
	}
}

func (ns *Namespace) nextAckID() uint64 { return ns.ackIDs.Add(1) - 1 }

// eventPacket builds the EVENT packet of an emit; binary arguments become
// attachments.
func (ns *Namespace) eventPacket(event string, args []any) (*parser.Packet, error) {
	if reservedEvents[event] {
		return nil, ErrReservedEvent
	}
	values := make([]any, 0, len(args)+1)
	values = append(values, event)
	values = append(values, args...)
	data, att, err := parser.MarshalArray(values)
	if err != nil {
		return nil, err
	}
	return &parser.Packet{Type: parser.Event, Namespace: ns.name, Data: data, Attachments: att}, nil
}

// Broadcasting from the namespace.

func (ns *Namespace) operator() *BroadcastOperator { return &BroadcastOperator{ns: ns} }

// Emit sends an event to every socket of the namespace.
func (ns *Namespace) Emit(event string, args ...any) error { return ns.operator().Emit(event, args...) }

// To targets the sockets in any of rooms (a socket id is a room too).
func (ns *Namespace) To(rooms ...string) *BroadcastOperator { return ns.operator().To(rooms...) }

// In is To.
func (ns *Namespace) In(rooms ...string) *BroadcastOperator { return ns.operator().To(rooms...) }

// Except excludes the sockets in any of rooms.
func (ns *Namespace) Except(rooms ...string) *BroadcastOperator {
	return ns.operator().Except(rooms...)
}

// Volatile drops the event for clients not ready to receive it.
func (ns *Namespace) Volatile() *BroadcastOperator { return ns.operator().Volatile() }

// Local keeps the broadcast on this node.
func (ns *Namespace) Local() *BroadcastOperator { return ns.operator().Local() }

// Compress sets the compress flag.
func (ns *Namespace) Compress(c bool) *BroadcastOperator { return ns.operator().Compress(c) }

// Timeout sets how long EmitWithAck waits for acknowledgements.
func (ns *Namespace) Timeout(d time.Duration) *BroadcastOperator { return ns.operator().Timeout(d) }

// FetchSockets returns every socket of the namespace, across nodes.
func (ns *Namespace) FetchSockets(ctx context.Context) ([]*RemoteSocket, error) {
	return ns.operator().FetchSockets(ctx)
}

// SocketsJoin makes every socket join rooms.
func (ns *Namespace) SocketsJoin(rooms ...string) { ns.operator().SocketsJoin(rooms...) }

// SocketsLeave makes every socket leave rooms.
func (ns *Namespace) SocketsLeave(rooms ...string) { ns.operator().SocketsLeave(rooms...) }

// DisconnectSockets disconnects every socket; close also closes their
// connections.
func (ns *Namespace) DisconnectSockets(close bool) { ns.operator().DisconnectSockets(close) }

// ServerSideEmit sends an event to this namespace on the other nodes of a
// cluster (a no-op on a single node).
func (ns *Namespace) ServerSideEmit(ctx context.Context, event string, args ...any) error {
	p, err := ns.eventPacket(event, args)
	if err != nil {
		return err
	}
	_, err = ns.adapter.ServerSideEmit(ctx, p, false)
	return err
}

// ServerSideEmitWithAck is ServerSideEmit waiting for each node's answer.
func (ns *Namespace) ServerSideEmitWithAck(ctx context.Context, event string, args ...any) ([]json.RawMessage, error) {
	p, err := ns.eventPacket(event, args)
	if err != nil {
		return nil, err
	}
	return ns.adapter.ServerSideEmit(ctx, p, true)
}

// socketPool recycles the socket lists of broadcasts.
var socketPool = sync.Pool{New: func() any { s := make([]*Socket, 0, 64); return &s }}

// each calls f for the local sockets among ids, without holding ns.mu while
// f runs (f may reach user code through outgoing listeners).
func (ns *Namespace) each(ids []adapter.SocketID, f func(*Socket)) {
	buf := socketPool.Get().(*[]*Socket)
	list := (*buf)[:0]
	ns.mu.RLock()
	for _, id := range ids {
		if s := ns.sockets[id]; s != nil && !s.closing.Load() {
			list = append(list, s)
		}
	}
	ns.mu.RUnlock()
	for _, s := range list {
		f(s)
	}
	clear(list)
	*buf = list[:0]
	socketPool.Put(buf)
}

// forgetAck drops the waits for a broadcast acknowledgement that timed out.
func (ns *Namespace) forgetAck(id uint64) {
	for _, s := range ns.Sockets() {
		s.acks.take(id)
	}
}
