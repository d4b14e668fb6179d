package socketio

import (
	"context"
	"runtime"
	"runtime/debug"
	"sync"

	"github.com/duplexio/duplex/parser"
)

// dispatcher runs a socket's handlers one at a time, in order, while there
// is work: on the goroutine that read the event from a polled WebSocket
// once it let the connection go, else on one of the server's worker
// goroutines (internal/workpool).
type dispatcher struct {
	qmu       sync.Mutex
	queue     []job // queue[head:] wait; the array is reused once empty
	head      int
	drainFn   func() // s.drainPooled, bound by the first dispatch that starts a drain
	drainHere func() // s.drainDeferred, likewise
	running   bool
}

// job is one entry of a socket's queue: a client event, or an internal
// job. An event is queued as its packet rather than as a closure over it:
// two closures per event were two of the allocations of every echo.
type job struct {
	event parser.Packet // when fn is nil
	fn    func()
}

// dispatch queues an internal job (connect, acks, disconnect); it never
// waits.
func (s *Socket) dispatch(fn func()) { s.enqueue(job{fn: fn}, false) }

// enqueue queues j and starts the socket's drain if none runs. A drain
// started for an event read from a polled WebSocket (reader true: the
// call comes from the connection's OnMessage) runs on the reader's own
// goroutine once it has let the connection go (enginehook.Deferrer),
// which saves a goroutine switch per event; elsewhere on a pooled worker.
func (s *Socket) enqueue(j job, reader bool) {
	s.qmu.Lock()
	if s.head > 0 && len(s.queue) == cap(s.queue) {
		// Full with run jobs in front: move the waiting ones down rather
		// than grow, so that a queue that never empties stays bounded.
		n := copy(s.queue, s.queue[s.head:])
		clear(s.queue[n:])
		s.queue, s.head = s.queue[:n], 0
	}
	s.queue = append(s.queue, j)
	start := !s.running
	s.running = true
	s.qmu.Unlock()
	if start {
		s.ns.server.handlers.Add()
		if s.drainFn == nil {
			// Bound once: a method value per burst is an allocation.
			s.drainFn, s.drainHere = s.drainPooled, s.drainDeferred
		}
		if !reader || s.conn.deferrer == nil || !s.conn.deferrer.Defer(s.drainHere) {
			s.ns.server.workers.Go(s.drainFn)
		}
	}
}

// dispatchPacket queues the handling of a client event; it never waits.
func (s *Socket) dispatchPacket(p *parser.Packet) {
	// p is copied into the queue: it may be on the reader's stack.
	if cost := eventCost(p); !s.conn.queued(cost) {
		s.conn.handled(cost)
		return // the client is being disconnected
	}
	s.enqueue(job{event: *p}, true)
}

// run runs one job of the queue.
func (s *Socket) run(j job) {
	if j.fn != nil {
		j.fn()
		return
	}
	if sess := s.conn.session; sess.Backlogged() {
		// The client's replies wait to be written: run its next handler
		// once they are, so that a burst of requests pins about the write
		// queue's soft bound of replies, not one reply per request.
		_ = sess.WaitWritable(context.Background())
	}
	s.onEvent(&j.event)
	s.conn.handled(eventCost(&j.event))
}

// drainPooled drains on a pooled worker. Before returning the worker it
// yields once and looks again, so that a client sending a stream of events
// keeps its worker instead of handing each event to the pool.
func (s *Socket) drainPooled() { s.drain(true) }

// drainDeferred drains on the goroutine that read the event: the next
// event starts a drain where it is read at no cost, and a yield would
// only hold that goroutine back from reading (echo benchmark: 151k acks/s
// with the yield, 165k without, p99 1.35 ms and 1.2 ms).
func (s *Socket) drainDeferred() { s.drain(false) }

// drain runs the queued jobs.
func (s *Socket) drain(yield bool) {
	defer s.ns.server.handlers.Done()
	yielded := false // since the last job: yield at most once before returning
	for {
		s.qmu.Lock()
		if s.head == len(s.queue) && yield && !yielded {
			s.qmu.Unlock()
			yielded = true
			runtime.Gosched()
			continue
		}
		yielded = false
		if s.head == len(s.queue) {
			s.queue, s.head = s.queue[:0], 0
			if cap(s.queue) > 64 {
				s.queue = nil // a burst's array is not kept for an idle socket
			}
			s.running = false
			s.qmu.Unlock()
			return
		}
		j := s.queue[s.head]
		s.queue[s.head] = job{}
		s.head++
		s.qmu.Unlock()
		s.run(j)
	}
}

// protect runs user code, turning a panic into a logged error so that one
// bad handler cannot take the server down; kind is a Panic constant and
// what names the handler in the log.
func (s *Socket) protect(kind, what string, fn func()) {
	defer func() {
		if r := recover(); r != nil {
			s.logPanic(kind, what, r)
		}
	}()
	fn()
}

func (s *Socket) logPanic(kind, what string, r any) {
	s.ns.panicked(kind)
	s.logger().Error("socketio: panic in handler", "handler", what, "nsp", s.ns.name, "id", s.id, "panic", r, "stack", string(debug.Stack()))
}
