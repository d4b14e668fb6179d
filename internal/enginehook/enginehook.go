// Package enginehook is the seam through which package engineio gives
// package socketio what is no part of engineio's public API: running work
// on the goroutine that delivered a message (Deferrer).
//
// Why a seam and not a method of engineio.Session: Defer is valid only
// inside Receiver.OnMessage, on the goroutine delivering the message (it
// appends to the poller's per-read list without a lock), and a public method
// would let any caller break that from elsewhere. engineio hands the
// Deferrer to a Receiver that implements Receiver below, once, before the
// first message; a package outside this module cannot name these types, so
// only socketio can ask for it. The same shape as the handle socketio gives
// its adapter (adapter.Namespace): the lower layer's plumbing reaches the
// upper one through an interface received at construction.
package enginehook

// Deferrer runs work after the message being delivered.
type Deferrer interface {
	// Defer runs fn on the goroutine delivering the current message, once
	// it has let the connection go: fn may block, even until the client's
	// next message, which another goroutine then reads, so a Receiver that
	// would hand fn to a goroutine of its own saves the switch. It must be
	// called only from Receiver.OnMessage; it reports false, and does not
	// take fn, when the message did not come that way (long-polling, TLS).
	Defer(fn func()) bool
}

// Receiver is implemented by an engineio.Receiver that takes a Deferrer:
// engineio calls BindDeferrer once, when the ConnectFunc has returned the
// Receiver, before any of its other methods.
type Receiver interface {
	BindDeferrer(Deferrer)
}

// Upgrader is implemented by an engineio.Receiver that wants to hear that
// its session moved from long-polling to WebSocket. OnUpgrade is called
// once, after the switch, outside the calls of OnMessage (it may run
// while one runs).
type Upgrader interface {
	OnUpgrade()
}
