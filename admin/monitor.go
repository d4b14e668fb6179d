package admin

import (
	"time"

	"github.com/duplexio/duplex/socketio"
)

// monitor is the socketio.Monitor of an Admin: an unexported type, so that
// the plumbing stays out of the Admin's API.
type monitor struct{ a *Admin }

var _ socketio.Monitor = monitor{}

// notify emits an event to every UI, on every node, as Node's
// adminNamespace.emit; nothing before Start, in production mode, or
// without anyone to tell.
func (a *Admin) notify(event string, args ...any) {
	if a.opts.Production || !a.watched() {
		return
	}
	if nsp := a.nsp.Load(); nsp != nil {
		_ = nsp.Emit(event, args...)
	}
}

// watched reports whether a notification may have a reader: a UI on this
// node, or another node, whose UIs this node cannot count. Node sends them
// regardless; a single node with no UI open skips them, since in
// development mode they cost several times a broadcast's own work (see
// docs/admin-ui.md).
func (a *Admin) watched() bool { return a.uis.Load() > 0 || !a.solo.Load() }

// SocketConnected implements socketio.Monitor: socket_connected, and in
// other namespaces than the admin's, every event in and out of the socket.
func (m monitor) SocketConnected(s *socketio.Socket) {
	nsp := s.Namespace().Name()
	if nsp == m.a.opts.Namespace {
		m.a.uis.Add(1)
	}
	if m.a.opts.Production {
		return
	}
	if m.a.watched() {
		m.a.notify("socket_connected", localRecord(s), jsTime(time.Now()))
	}
	if nsp == m.a.opts.Namespace {
		return
	}
	s.OnAny(func(event string, args socketio.Args) {
		if m.a.watched() {
			m.a.notify("event_received", nsp, s.ID(), eventArgs(event, args), jsTime(time.Now()))
		}
	})
	s.OnAnyOutgoing(func(event string, args socketio.Args) {
		if m.a.watched() {
			m.a.notify("event_sent", nsp, s.ID(), eventArgs(event, args), jsTime(time.Now()))
		}
	})
}

// eventArgs is an event as the UI lists it: its name, then its arguments.
func eventArgs(event string, args socketio.Args) []any {
	vals, err := args.Forward()
	if err != nil {
		vals = nil
	}
	return append([]any{event}, vals...)
}

// SocketDisconnected implements socketio.Monitor.
func (m monitor) SocketDisconnected(s *socketio.Socket, reason string) {
	if s.Namespace().Name() == m.a.opts.Namespace {
		m.a.uis.Add(-1)
	}
	m.a.notify("socket_disconnected", s.Namespace().Name(), s.ID(), reason, jsTime(time.Now()))
}

// TransportUpgraded implements socketio.Monitor.
func (m monitor) TransportUpgraded(s *socketio.Socket) {
	m.a.notify("socket_updated", map[string]string{
		"id": s.ID(), "nsp": s.Namespace().Name(), "transport": s.Conn().Transport(),
	})
}

// RoomJoined implements socketio.Monitor.
func (m monitor) RoomJoined(ns *socketio.Namespace, room, id string) {
	m.a.notify("room_joined", ns.Name(), room, id, jsTime(time.Now()))
}

// RoomLeft implements socketio.Monitor.
func (m monitor) RoomLeft(ns *socketio.Namespace, room, id string) {
	m.a.notify("room_left", ns.Name(), room, id, jsTime(time.Now()))
}

// SocketData implements socketio.Monitor: other nodes get the client id
// and transport in data._admin, where Node's instrument() reads them.
func (m monitor) SocketData(s *socketio.Socket, data any) any { return exportData(s, data) }
