package socketio

// RemoteSocket is a socket as FetchSockets returns it: on this node or
// another. Its methods act through the adapter, so they work for both.
type RemoteSocket struct {
	ID        string
	Handshake *Handshake
	Rooms     []string
	// Data is the socket's Data: the value itself for a local socket, its
	// JSON decoded into map[string]any and friends for a remote one.
	Data any

	ns *Namespace
}

// Emit sends an event to the socket.
func (r *RemoteSocket) Emit(event string, args ...any) error {
	return r.ns.To(r.ID).Emit(event, args...)
}

// Join makes the socket join rooms.
func (r *RemoteSocket) Join(rooms ...string) { r.ns.In(r.ID).SocketsJoin(rooms...) }

// Leave makes the socket leave rooms.
func (r *RemoteSocket) Leave(rooms ...string) { r.ns.In(r.ID).SocketsLeave(rooms...) }

// Disconnect disconnects the socket; close also closes its connection.
func (r *RemoteSocket) Disconnect(close bool) { r.ns.In(r.ID).DisconnectSockets(close) }
