// Package engineio implements the server side of the Engine.IO v4 protocol:
// the transport layer under Socket.IO.
//
// A Server is an http.Handler. It performs the handshake, keeps the table of
// sessions, runs the HTTP long-polling and WebSocket transports and the
// upgrade from one to the other, sends heartbeats and enforces payload
// limits. Each Session has one bounded write queue drained by whichever
// transport is current, so a slow client is disconnected instead of growing
// memory or slowing others down.
//
// The package knows nothing of Socket.IO: it moves opaque text and binary
// messages. The layer above receives them through a Receiver returned by the
// ConnectFunc given to NewServer.
//
// Every Session method is safe from any goroutine. What socketio needs
// beyond that (running work on the goroutine that delivered a message,
// valid only inside Receiver.OnMessage) is no Session method: it reaches
// a Receiver of this module through internal/enginehook, which other
// modules cannot import.
//
// Nor does it handle WebSocket frames: the handshake, reads, frame writes
// and close frames are internal/websocket's, and the WebSocket transport
// (transport_websocket.go) only speaks Engine.IO over a websocket.Conn.
package engineio
