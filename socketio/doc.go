// Package socketio is a Socket.IO v5 server, wire-compatible with the
// official socket.io-client 4.x, with the server API of Node's socket.io 4:
// namespaces, rooms, middleware, acknowledgements both ways, broadcasts
// with flags, catch-all listeners and the fetchSockets family.
//
// A Server is an http.Handler; mount it on any mux at its Path
// ("/socket.io/" by default):
//
//	io := socketio.NewServer(nil)
//	io.OnConnection(func(s *socketio.Socket) {
//		s.On("chat", func(text string, ack socketio.AckFunc) {
//			s.Broadcast().Emit("chat", text)
//			ack("ok")
//		})
//	})
//	http.Handle("/socket.io/", io)
//
// Handlers are ordinary Go functions whose parameters are decoded from the
// event's JSON arguments (see Socket.On). The handlers of one socket run one
// at a time, in the order its packets arrived, on a goroutine of their own,
// so a handler may block (for instance on EmitWithAck) without stalling the
// connection's reads or other sockets.
//
// Under the Socket.IO layer sits package engineio (transports, heartbeat,
// limits); packets are encoded by package parser; rooms and broadcasts are
// routed by an adapter.Adapter, in memory by default.
//
// The layers meet through interfaces each receives at construction, so
// that their plumbing stays out of this package's API: the adapter's
// Factory gets an unexported handle on the namespace (adapter.Namespace:
// deliver a routed packet, disconnect sockets by id, take another node's
// event) rather than *Namespace, whose methods are the user's; the engine
// hands each connection what only socketio may use (running a socket's
// handlers on the goroutine that read their event) through
// internal/enginehook rather than a public Session method. The engine's
// own options nest as Options.Engine instead of being copied here.
package socketio
