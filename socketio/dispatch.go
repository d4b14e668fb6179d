package socketio

import (
	"runtime/debug"
	"sync"
)

// maxPendingPackets bounds the events of one socket waiting for its
// handlers. When they are all taken, reading from the client's connection
// waits, which pushes back on the client instead of queueing without bound.
const maxPendingPackets = 256

// dispatcher runs a socket's handlers one at a time, in order, on a
// goroutine that exists only while there is work.
type dispatcher struct {
	qmu     sync.Mutex
	queue   []func()
	running bool
	slots   chan struct{}
}

// dispatch queues an internal job (connect, acks, disconnect); it never
// waits.
func (s *Socket) dispatch(job func()) {
	s.qmu.Lock()
	s.queue = append(s.queue, job)
	start := !s.running
	s.running = true
	s.qmu.Unlock()
	if start {
		s.ns.server.handlers.Add(1)
		go s.drain()
	}
}

// dispatchPacket queues the handling of a client packet, waiting for room
// while maxPendingPackets are queued, unless the connection ends.
func (s *Socket) dispatchPacket(job func()) {
	select {
	case s.slots <- struct{}{}:
	case <-s.conn.session.Done():
		return
	}
	s.dispatch(func() {
		defer func() { <-s.slots }()
		job()
	})
}

func (s *Socket) drain() {
	defer s.ns.server.handlers.Done()
	for {
		s.qmu.Lock()
		if len(s.queue) == 0 {
			s.queue = nil
			s.running = false
			s.qmu.Unlock()
			return
		}
		job := s.queue[0]
		s.queue[0] = nil
		s.queue = s.queue[1:]
		s.qmu.Unlock()
		job()
	}
}

// protect runs user code, turning a panic into a logged error so that one
// bad handler cannot take the server down.
func (s *Socket) protect(what string, fn func()) {
	defer func() {
		if r := recover(); r != nil {
			s.logPanic(what, r)
		}
	}()
	fn()
}

func (s *Socket) logPanic(what string, r any) {
	s.logger().Error("socketio: panic in handler", "handler", what, "nsp", s.ns.name, "id", s.id, "panic", r, "stack", string(debug.Stack()))
}
