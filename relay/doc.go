// Package relay lets the nodes of a Duplex cluster sit behind any load
// balancer, round-robin included: no sticky sessions.
//
// Each node opens its Engine.IO sessions with its own node id as the
// prefix of the session id (engineio.Router). The nodes tell each other
// their node id and the HTTP address they serve on, through the broker the
// cluster already has (a Bus: a Redis channel or a NATS subject). A node
// that receives a request for a session with another node's prefix
// forwards it to that node with net/http/httputil.ReverseProxy: polling
// GETs and POSTs, and the WebSocket of an upgrade, which the proxy tunnels.
//
// Why forwarding and not moving the session: a session is then never
// served by two nodes, its state stays in one place, and a node that dies
// takes its sessions with it; a request for one of them is answered as for
// an unknown session (400 "Session ID unknown"), and the client reconnects
// through the balancer (with connection state recovery, it recovers on
// another node). Why the prefix and not a lookup: the owner is known from
// the request alone, with no round trip to the broker.
//
// Safety: a request is forwarded only to a peer that announced itself on
// the broker, never to an address taken from the request; a forwarded
// request carries the Duplex-Relay header and is never forwarded again.
// A node alone, or a request for a node's own session, costs nothing: the
// engine consults the relay only for a session id it does not hold and
// that lacks its own prefix.
package relay
