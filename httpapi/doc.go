// Package httpapi lets a backend in any language push to Socket.IO clients
// through a duplex server over plain HTTP and JSON, without a broker of its
// own: emit an event (optionally collecting the clients' acknowledgements),
// list sockets, make sockets join or leave rooms, disconnect them.
//
// Every endpoint acts through the server's cluster-wide operations
// (BroadcastOperator.Emit, EmitWithAck, FetchSockets, SocketsJoin,
// SocketsLeave, DisconnectSockets), so a call made to one node of a Redis
// or NATS cluster reaches the sockets of every node.
//
// The endpoints, under /api/v1/ (docs/openapi.yaml describes them):
//
//	POST /api/v1/emit        {"namespace","rooms","except","event","args","timeout_ms"}
//	GET  /api/v1/sockets     ?namespace=/&room=R&except=R
//	POST /api/v1/join        {"namespace","rooms","except","join":[...]}
//	POST /api/v1/leave       {"namespace","rooms","except","leave":[...]}
//	POST /api/v1/disconnect  {"namespace","rooms","except","close"}
//
// The selector is the one of io.to(rooms).except(except): no rooms means
// every socket of the namespace, and a socket id is a room. Every request
// carries "Authorization: Bearer <token>"; errors are {"error": "..."} with
// 400 (bad JSON, unknown field or query key), 401 (token), 404 (unknown
// namespace or path), 405 (method), 413 (body over Options.MaxBodyBytes).
package httpapi
