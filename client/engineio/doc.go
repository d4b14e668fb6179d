// Package engineio is the Engine.IO v4 client under package client, as
// engine.io-client sits under socket.io-client: one connection to an
// Engine.IO server (this module's or Node's) that carries messages and
// knows nothing of Socket.IO.
//
// Dial opens the connection over HTTP long-polling and upgrades it to
// WebSocket when the server offers it (probe "2probe"/"3probe", then
// "5"), or over WebSocket alone; a failed upgrade leaves it on polling.
// The connection answers the server's pings, and closes with
// ReasonPingTimeout when they stop. Messages go out through one writer
// goroutine from a queue bounded by Config.WriteQueueSize, batched into
// as few polling requests as the server's maxPayload allows; messages in
// reach the Handler one at a time.
//
// Packets are encoded by package engineio/packet, shared with the server.
package engineio
