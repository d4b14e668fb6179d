package socketio

import "github.com/duplexio/duplex/parser"

// Observer is told what happens to the sockets of a Server, for metrics.
// Options.Observer nil (the default) means no calls at all. The engine's
// own events (sessions, messages, bytes, upgrades) go to
// Options.Engine.Observer.
//
// nsp is the namespace's name, or DynamicNamespace for every child of a
// ParentNamespace, so that clients, who name those children, cannot make
// new label values. Its methods are called from many goroutines at once:
// they must be safe for concurrent use, return quickly and never call back
// into the Server.
type Observer interface {
	// Connected is called when a socket has joined nsp (its middleware
	// passed), before the connection handlers run.
	Connected(nsp string)
	// Disconnected is called once for each socket that Connected was
	// called for, with its disconnect reason.
	Disconnected(nsp, reason string)
	// HandlerPanicked is called for each panic recovered from user code
	// run for nsp, with the kind of code (a Panic constant): handlers,
	// middleware, acknowledgement callbacks (a broadcast's included),
	// server-side handlers, and a ParentNamespace's match function (nsp
	// DynamicNamespace).
	HandlerPanicked(nsp, kind string)
	// EventReceived is called for each event a client sends to nsp.
	EventReceived(nsp string)
	// EventsSent is called with the number of events written to sockets
	// of nsp: 1 for an emit to one socket, the recipients on this server
	// for a broadcast (one call per broadcast, not per recipient).
	EventsSent(nsp string, n int)
	// Broadcast is called for each broadcast emitted on nsp from this
	// server (Emit on a BroadcastOperator, a Namespace or the Server).
	Broadcast(nsp string)
	// AcksPending is called with +1 when a socket of nsp starts waiting
	// for an acknowledgement, and with minus the number of waits that
	// ended (answered, timed out, or the socket gone).
	AcksPending(nsp string, delta int)
	// AckTimedOut is called when an acknowledgement a socket of nsp waited
	// for (Timeout, or EmitWithAck's context deadline) did not come in time.
	AckTimedOut(nsp string)
	// Recovery is called for each connection to nsp that asked to recover
	// a session (connection state recovery on), with whether it did.
	Recovery(nsp string, recovered bool)
}

// The kinds of user code whose panics an Observer is told, fixed strings
// that can be metric labels.
const (
	PanicEvent        = "event"           // listeners (On, OnAny) and Options.OnArgError
	PanicConnection   = "connection"      // connection handlers
	PanicMiddleware   = "middleware"      // Namespace.Use and Socket.Use
	PanicAck          = "ack"             // a socket's Emit callback
	PanicBroadcastAck = "broadcast_ack"   // a broadcast's Emit callback
	PanicDisconnect   = "disconnect"      // disconnect and disconnecting listeners
	PanicError        = "error"           // error listeners
	PanicOutgoing     = "outgoing"        // outgoing listeners (OnAnyOutgoing)
	PanicServerSide   = "server_side"     // OnServerSideEmit handlers
	PanicMatch        = "namespace_match" // a ParentNamespace's match function
)

// DynamicNamespace is the namespace name an Observer is given for the
// children of a ParentNamespace.
const DynamicNamespace = "*"

// observedName is the namespace name an Observer is given.
func (ns *Namespace) observedName() string {
	if ns.parent != nil {
		return DynamicNamespace
	}
	return ns.name
}

// panicked tells the Observer of a panic in user code of kind run for ns.
func (ns *Namespace) panicked(kind string) {
	if o := ns.server.opts.Observer; o != nil {
		o.HandlerPanicked(ns.observedName(), kind)
	}
}

// eventsSent tells the Observer of a broadcast's n local recipients, once
// per broadcast: counted per recipient, the Observer's call was most of
// what metrics cost a fan-out (BENCHMARKS.md, "The cost of metrics").
func (ns *Namespace) eventsSent(p *parser.Packet, n int) {
	if o := ns.server.opts.Observer; o != nil && n > 0 && (p.Type == parser.Event || p.Type == parser.BinaryEvent) {
		o.EventsSent(ns.observedName(), n)
	}
}

func (ns *Namespace) ackTimedOut() {
	if o := ns.server.opts.Observer; o != nil {
		o.AckTimedOut(ns.observedName())
	}
}

func (ns *Namespace) broadcasted() {
	if o := ns.server.opts.Observer; o != nil {
		o.Broadcast(ns.observedName())
	}
}
