package socketio

import (
	"errors"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/parser"
)

// Flow control of a client's events.
//
// One polling POST or one TCP read can carry thousands of events (a
// client flushing its send buffer on reconnect, an app emitting in a
// loop). Their handlers run one at a time per socket, so the events wait;
// rather than disconnecting the client past a count (1024 events did, for
// any burst of acked emits from socket.io-client), the connection stops
// reading the client while the bytes of its waiting events are over
// Options.EventQueueBytes, and reads again once the handlers brought them
// under half of that: TCP flow control, or an unanswered POST, slows the
// client down.
//
// Acknowledgements and pongs are handled on the read path, never queued
// behind events, but while reading is paused they wait in the stream
// behind the events that wait there too. A handler blocked in EmitWithAck
// to its own client would then never get its answer: so the connection
// keeps reading while an acknowledgement the server waits on is
// outstanding, up to the hard bound. The hard bound, 4 x EventQueueBytes
// plus MaxHTTPBufferSize, is out of an honest client's reach otherwise:
// paused, a client gets at most one more message (or one read buffer)
// past the soft bound. Beyond it the client is disconnected.

// ErrTooManyEvents is the cause given (with reason "transport error") when
// a client's events waiting for its handlers go over the hard bound (see
// Options.EventQueueBytes): only a client that goes on sending while it
// is not read, or that does not answer the acknowledgement a handler
// waits for, gets there.
var ErrTooManyEvents = errors.New("socketio: too many pending events (client too far ahead of its handlers)")

// jobCost is what a queued event costs besides its payload.
const jobCost = int64(unsafe.Sizeof(job{}))

// eventCost is what an event counts for against EventQueueBytes.
func eventCost(p *parser.Packet) int64 {
	n := jobCost + int64(len(p.Data))
	for _, a := range p.Attachments {
		n += int64(len(a))
	}
	return n
}

// flow is the flow control of one connection's events, over all its
// namespaces' sockets (the engine session is read or paused as one).
type flow struct {
	bytes   atomic.Int64 // cost of the events waiting for handlers
	waits   atomic.Int32 // acknowledgements from the client that someone waits for
	paused  atomic.Bool
	hostile atomic.Bool // went over the hard bound: disconnected

	mu sync.Mutex // orders the decisions of update
}

// queued counts an event queued for a handler; it reports false, and
// the event must be dropped, once the client was found hostile.
func (c *conn) queued(cost int64) bool {
	f := &c.flow
	if n := f.bytes.Add(cost); n > c.server.opts.EventQueueBytes && !f.paused.Load() || n > c.hardBound() {
		c.updateFlow()
	}
	return !f.hostile.Load()
}

// handled uncounts an event whose handlers ran (or that was dropped).
func (c *conn) handled(cost int64) {
	f := &c.flow
	if n := f.bytes.Add(-cost); f.paused.Load() && n <= c.server.opts.EventQueueBytes/2 {
		c.updateFlow()
	}
}

// ackWaits counts acknowledgements from the client that are waited for
// (delta +1 or -1, or -n when a socket fails them all).
func (c *conn) ackWaits(delta int32) {
	f := &c.flow
	n := f.waits.Add(delta)
	if paused := f.paused.Load(); n > 0 && paused || n == 0 && !paused && f.bytes.Load() > c.server.opts.EventQueueBytes {
		c.updateFlow()
	}
}

// hardBound is where a client is disconnected rather than paused.
func (c *conn) hardBound() int64 {
	return 4*c.server.opts.EventQueueBytes + c.server.opts.engineMaxBuffer()
}

// updateFlow pauses, resumes or disconnects the client as its waiting
// events and the acknowledgements waited for say.
func (c *conn) updateFlow() {
	f := &c.flow
	f.mu.Lock()
	defer f.mu.Unlock()
	n, waits, soft := f.bytes.Load(), f.waits.Load(), c.server.opts.EventQueueBytes
	switch {
	case f.hostile.Load():
	case n > c.hardBound():
		f.hostile.Store(true)
		c.server.opts.Logger.Warn("socketio: client too far ahead of its handlers, disconnected",
			"sid", c.session.ID(), "bytes", n, "bound", c.hardBound(), "acksAwaited", waits)
		c.session.Abort(engineio.ReasonTransportError, ErrTooManyEvents)
	case !f.paused.Load() && n > soft && waits == 0:
		f.paused.Store(true)
		c.session.PauseReading()
	case f.paused.Load() && (n <= soft/2 || waits > 0):
		f.paused.Store(false)
		c.session.ResumeReading()
	}
}
