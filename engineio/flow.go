package engineio

import (
	"context"
	"unsafe"

	"github.com/duplexio/duplex/engineio/packet"
)

// Flow control.
//
// A client is read only as fast as the server keeps up with it, in two
// ways, without disconnecting a client that merely sends a burst:
//
//   - The Receiver may pause reading (PauseReading, as socketio does while
//     a socket's handlers are behind) until it resumes.
//   - The session pauses reading by itself while its write queue is over
//     its soft bound, a quarter of MaxWriteQueueBytes, until half of that
//     is written: a client that floods requests then gets their replies
//     at the pace it reads them.
//
// Pausing a WebSocket (internal/websocket's Conn.Pause) leaves the bytes
// in the kernel, so that TCP flow control slows the client, on both of its
// read paths (the poller; a goroutine per TLS connection); a polling POST is
// answered only once all its packets were delivered. A peer's pongs queue
// behind the paused bytes: a session paused for longer than the ping
// timeout closes as any unresponsive one does.

// Reasons for not reading the client; any one is enough.
const (
	pauseReceiver uint8 = 1 << iota // PauseReading
	pauseBacklog                    // the write queue is over its soft bound
)

// packetCost is what a queued packet costs besides its payload.
const packetCost = int64(unsafe.Sizeof(packet.Packet{}))

// queueCost is what a queued packet with n bytes of payload counts for
// against MaxWriteQueueBytes.
func queueCost(n int) int64 { return int64(n) + packetCost }

// PauseReading stops reading the client's messages until ResumeReading,
// after the message being delivered (or a read buffer's worth of them,
// at most, on a WebSocket read by the poller). Calls do not nest: one
// ResumeReading undoes any number of PauseReading. It may be called from
// any goroutine, Receiver.OnMessage included.
func (s *Session) PauseReading() {
	s.mu.Lock()
	s.setPause(pauseReceiver, true)
	s.mu.Unlock()
}

// ResumeReading undoes PauseReading, from any goroutine; the session still
// does not read while its own write queue is backlogged.
func (s *Session) ResumeReading() {
	s.mu.Lock()
	s.setPause(pauseReceiver, false)
	s.mu.Unlock()
}

// Backlogged reports whether the bytes waiting to be written to the
// client went over the soft bound, a quarter of MaxWriteQueueBytes, and
// have not yet been written down to half of it. It costs an atomic load,
// and may be called from any goroutine.
func (s *Session) Backlogged() bool { return s.backlog.Load() }

// WaitWritable waits until the session is not Backlogged. It returns
// ErrClosed when the session closes first, or ctx's error. A sender that
// waits before each write keeps what one client's replies pin to about
// the soft bound whatever their size.
func (s *Session) WaitWritable(ctx context.Context) error {
	s.mu.Lock()
	if !s.backlog.Load() {
		s.mu.Unlock()
		return nil
	}
	if s.drained == nil {
		s.drained = make(chan struct{})
	}
	ch := s.drained
	s.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-s.done:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

// setFlight records what a writer holds and has not written; the caller
// holds s.mu.
func (s *Session) setFlight(n int64) {
	s.flight = n
	s.checkBacklog()
}

// checkBacklog starts or ends the backlog as the bytes waiting to be
// written cross the soft bound or half of it; the caller holds s.mu.
func (s *Session) checkBacklog() {
	n, soft := s.qbytes+s.flight, s.srv.opts.MaxWriteQueueBytes/4
	switch {
	case n > soft && !s.backlog.Load():
		s.backlog.Store(true)
		s.setPause(pauseBacklog, true)
	case n <= soft/2 && s.backlog.Load():
		s.backlog.Store(false)
		if s.drained != nil {
			close(s.drained)
			s.drained = nil
		}
		s.setPause(pauseBacklog, false)
	}
}

// setPause sets or clears one reason for not reading the client and
// pauses or resumes the transport's reading when that changes whether
// there is any; the caller holds s.mu.
func (s *Session) setPause(why uint8, on bool) {
	was := s.paused != 0
	if on {
		s.paused |= why
	} else {
		s.paused &^= why
	}
	now := s.paused != 0
	if was == now {
		return
	}
	s.rpaused.Store(now)
	if now {
		s.resumed = make(chan struct{})
	} else {
		close(s.resumed)
		s.resumed = nil
	}
	if t, ok := s.transport.(*wsTransport); ok {
		t.pauseRead(now)
	}
}

// waitReadable waits while the session is paused, for a reader that
// holds a goroutine of its own (a POST). It reports
// false when the session closed or ctx ended first. ctx.Done is called
// only when paused: a request's context makes its channel on first use.
func (s *Session) waitReadable(ctx context.Context) bool {
	for s.rpaused.Load() {
		s.mu.Lock()
		ch := s.resumed
		s.mu.Unlock()
		if ch == nil {
			continue
		}
		select {
		case <-ch:
		case <-s.done:
			return false
		case <-ctx.Done():
			return false
		}
	}
	return true
}

// pauseRead pauses or resumes reading the WebSocket, on either of its
// read paths. The caller holds s.mu.
func (t *wsTransport) pauseRead(pause bool) {
	if pause {
		t.conn.Pause()
	} else {
		t.conn.Resume()
	}
}
