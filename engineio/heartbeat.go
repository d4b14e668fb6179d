package engineio

import (
	"time"

	"github.com/duplexio/duplex/engineio/packet"
)

// The heartbeat is one timer per session that alternates between two
// waits: pingInterval until the next ping, then pingTimeout for its pong.
// A timer, not a goroutine, so that an idle session costs no stack.

func (s *Session) startHeartbeat() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != stateClosed {
		s.rearm(s.srv.opts.PingInterval)
	}
}

func (s *Session) onHeartbeat() {
	s.mu.Lock()
	if s.state == stateClosed {
		s.mu.Unlock()
		return
	}
	// A pong may have re-armed the timer while this call was on its way.
	if wait := time.Until(s.hbDue); wait > 0 {
		s.hbTimer.Reset(wait)
		s.mu.Unlock()
		return
	}
	if s.awaitPong && s.paused&pauseReceiver == 0 {
		s.mu.Unlock()
		s.close(ReasonPingTimeout, nil)
		return
	}
	// While the Receiver keeps the session from being read, the pong may
	// well be there, unread: the client is not timed out for that, and
	// keeps getting pings so that it does not time the server out either.
	// (A session not read because its client does not read its own queue
	// gets no such grace.)
	s.awaitPong = true
	s.push(packet.Packet{Type: packet.Ping})
	s.rearm(s.srv.opts.PingTimeout)
	s.mu.Unlock()
}

func (s *Session) onPong() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.awaitPong || s.state == stateClosed {
		return
	}
	s.awaitPong = false
	s.rearm(s.srv.opts.PingInterval)
}

// rearm sets the next heartbeat deadline; the caller holds s.mu.
func (s *Session) rearm(d time.Duration) {
	s.hbDue = time.Now().Add(d)
	s.hbTimer.Reset(d)
}
