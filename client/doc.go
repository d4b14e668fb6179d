// Package client is a Socket.IO v5 client, for Go programs that talk to
// Socket.IO servers: this module's and Node's alike.
//
// Dial connects to a namespace and returns its Socket:
//
//	s, err := client.Dial(ctx, "http://localhost:3000/chat", &client.Options{
//		Auth: map[string]string{"token": token},
//	})
//	if err != nil {
//		return err // a *client.ConnectError if the server refused
//	}
//	defer s.Close()
//	s.On("message", func(from, text string) { fmt.Println(from, text) })
//	answer, err := s.EmitWithAck(ctx, "join", "lobby")
//
// Handlers are ordinary Go functions whose parameters are decoded from the
// event's JSON arguments, as on the server (see Socket.On); the handlers of
// a socket run one at a time, in order, on a goroutine of their own.
//
// Under the sockets is a Manager: one Engine.IO connection (HTTP
// long-polling upgraded to WebSocket, or either alone) that the sockets of
// several namespaces share, answers the server's heartbeat, and is
// reconnected with exponential backoff when it is lost. Emits made while
// it is down are buffered and sent after the reconnection. A socket
// disconnected by the server, or by Close, stays disconnected.
//
// Close writes what was emitted before it disconnects, but Socket.IO
// servers (Node's and this module's) drop the events they have not handled
// yet when the disconnection arrives: wait for an acknowledgement to know
// that the server handled an event.
//
// The Engine.IO connection is package client/engineio, which the Manager
// uses through a small interface (engineConn): this package is the
// Socket.IO layer only. Packets are encoded by the module's codecs,
// packages parser (Socket.IO) and engineio/packet (Engine.IO).
package client
