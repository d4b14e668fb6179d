package socketio

import (
	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/internal/enginehook"
)

// Monitor is told of the sockets, rooms and transports of a Server, for
// tools that show its live state, such as the server side of the official
// admin UI (package admin), which needs each socket itself where an
// Observer, made for metrics, gets only a namespace name.
//
// Options.Monitor nil (the default) costs a nil check per connection,
// disconnection, upgrade and room change: the adapters are only asked to
// report memberships (adapter.RoomObserver) when a Monitor is set.
//
// Its methods are called from many goroutines at once, with no lock of the
// server held: they must be safe for concurrent use and return quickly.
// They may emit, on another namespace than the socket's.
type Monitor interface {
	// SocketConnected is called when s has connected (its CONNECT answer
	// written), before its connection handlers run, as Node's
	// prependListener("connection") does.
	SocketConnected(s *Socket)
	// SocketDisconnected is called once for each socket SocketConnected
	// was called for, after it left its rooms.
	SocketDisconnected(s *Socket, reason string)
	// TransportUpgraded is called for each socket of a connection that
	// moved from long-polling to WebSocket (s.Conn().Transport()).
	TransportUpgraded(s *Socket)
	// RoomJoined and RoomLeft are called when a socket of ns on this node
	// joins or leaves a room, its own id included (joined on connection,
	// left on disconnection).
	RoomJoined(ns *Namespace, room, id string)
	RoomLeft(ns *Namespace, room, id string)
	// SocketData returns what FetchSockets on other nodes of a cluster
	// get as the data of s, given s.Data(): the admin UI adds the fields
	// it shows of sockets on other nodes, as Node's instrument() does.
	SocketData(s *Socket, data any) any
}

// monitoredHandle is the adapter's handle of a namespace when the server
// has a Monitor: it also implements adapter.RoomObserver.
type monitoredHandle struct{ adapterHandle }

var (
	_ adapter.RoomObserver = monitoredHandle{}
	_ adapter.DataExporter = monitoredHandle{}
)

// Joined implements adapter.RoomObserver.
func (h monitoredHandle) Joined(room, id string) {
	h.ns.server.opts.Monitor.RoomJoined(h.ns, room, id)
}

// Left implements adapter.RoomObserver.
func (h monitoredHandle) Left(room, id string) {
	h.ns.server.opts.Monitor.RoomLeft(h.ns, room, id)
}

// handle returns the handle the adapter of ns gets.
func (ns *Namespace) handle() adapter.ClusterNamespace {
	if ns.server.opts.Monitor != nil {
		return monitoredHandle{adapterHandle{ns}}
	}
	return adapterHandle{ns}
}

// ExportData implements adapter.DataExporter: the Monitor says what other
// nodes get as the data of a local socket.
func (h monitoredHandle) ExportData(id string, data any) any {
	s := h.ns.Socket(id)
	if s == nil {
		return data
	}
	return h.ns.server.opts.Monitor.SocketData(s, data)
}

var _ enginehook.Upgrader = (*conn)(nil)

// OnUpgrade implements enginehook.Upgrader: the Monitor hears of each
// socket of the connection.
func (c *conn) OnUpgrade() {
	m := c.server.opts.Monitor
	if m == nil {
		return
	}
	c.mu.Lock()
	list := c.sockets.all()
	c.mu.Unlock()
	for _, s := range list {
		m.TransportUpgraded(s)
	}
}
