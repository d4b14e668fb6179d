package client

import (
	"sync/atomic"
	"time"

	"github.com/duplexio/duplex/internal/emitter"
	"github.com/duplexio/duplex/internal/typedfunc"
)

// ackResult is the outcome of an acknowledgement wait.
type ackResult struct {
	args Args
	err  error
}

// ackWaiter is one acknowledgement the socket waits for: EmitWithAck's
// (ch) or an Emit callback's (handler).
type ackWaiter struct {
	ch      chan ackResult // capacity 1
	handler *typedfunc.Handler
	withErr bool // handler takes an error first
	event   string
	timer   *time.Timer
	sent    atomic.Bool // the packet left the send buffer
}

// ackTable holds the acknowledgements a socket waits for, by ack id
// (internal/emitter, shared with the server).
type ackTable struct{ emitter.Acks[*ackWaiter] }

// take removes and returns the waiter for id, nil when there is none (an
// unknown id, or one already answered, failed or timed out).
func (t *ackTable) take(id uint64) *ackWaiter {
	w, _ := t.Take(id)
	return w
}

// failSent fails the waits whose packet was sent over a connection that is
// lost: the answer will never come. Those still in the send buffer go on
// waiting, as in socket.io-client.
func (t *ackTable) failSent(s *Socket, err error) {
	for _, w := range t.TakeIf(func(w *ackWaiter) bool { return w.sent.Load() }) {
		s.resolve(w, Args{}, err)
	}
}

// failAll fails every wait.
func (t *ackTable) failAll(s *Socket, err error) {
	for _, w := range t.TakeAll() {
		s.resolve(w, Args{}, err)
	}
}

// resolve ends a wait with the acknowledgement's arguments or an error. An
// Emit callback runs on the dispatcher; one without an error parameter is
// not called on error.
func (s *Socket) resolve(w *ackWaiter, args Args, err error) {
	if w.timer != nil {
		w.timer.Stop()
	}
	switch {
	case w.ch != nil:
		w.ch <- ackResult{args: args, err: err}
	case w.handler != nil && (err == nil || w.withErr):
		s.dispatch(func() {
			if herr := emitter.CallAck(w.handler, w.event, w.withErr, err, args); herr != nil {
				s.emitError(herr)
			}
		})
	}
}

// registerAckLocked records w as the waiter for ack id, with a timer when
// timeout is set; s.mu is held.
func (s *Socket) registerAckLocked(id uint64, w *ackWaiter, timeout time.Duration) {
	if timeout > 0 {
		w.timer = time.AfterFunc(timeout, func() { s.ackTimedOut(id) })
	}
	s.acks.Add(id, w)
}

// ackTimedOut fails the wait for id, and drops its packet if it is still
// in the send buffer.
func (s *Socket) ackTimedOut(id uint64) {
	w := s.acks.take(id)
	if w == nil {
		return
	}
	s.dropBuffered(id)
	s.resolve(w, Args{}, ErrAckTimeout)
}

// forgetAck drops the wait for id (its caller gave up) and its packet if
// it is still buffered.
func (s *Socket) forgetAck(id uint64) {
	if w := s.acks.take(id); w != nil && w.timer != nil {
		w.timer.Stop()
	}
	s.dropBuffered(id)
}

// dropBuffered removes the packet with ack id from the send buffer.
func (s *Socket) dropBuffered(id uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, op := range s.sendBuf {
		if op.p.HasID && op.p.ID == id {
			s.sendBuf = append(s.sendBuf[:i], s.sendBuf[i+1:]...)
			return
		}
	}
}
