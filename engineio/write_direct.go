package engineio

import "github.com/duplexio/duplex/engineio/packet"

// Writing on the caller's goroutine.
//
// A reply to one client (an acknowledgement, an emit to one socket) used to
// wake a writer goroutine that then made the system call: a goroutine start
// and two switches per reply, a fifth of the server's CPU in the echo
// benchmark besides the system calls themselves. When no writer runs, Write
// now frames the packets and makes one non-blocking write(2) itself. What
// the socket does not take at once (a client that reads slowly) is kept in
// wsTransport.rest and handed to a writer goroutine, so Write still never
// waits for a client.
//
// Broadcasts use Enqueue instead: their recipients' writers run after the
// broadcast and often find several packets queued, which then share one
// system call.

// startDirect claims the connection for a write on the caller's goroutine.
// It fails when a writer runs, when this is not (or no longer) the
// session's transport, or when the connection has no file descriptor to
// write to without blocking (TLS). The caller holds s.mu.
func (t *wsTransport) startDirect() bool {
	if t.raw == nil || t.writing || t.s.transport != transport(t) {
		return false
	}
	t.writing = true
	return true
}

// writeDirect writes batch as far as the socket takes it now, after a
// startDirect that succeeded; a writer goroutine takes over for the rest,
// for what was queued meanwhile, and for a closing session.
func (t *wsTransport) writeDirect(batch []packet.Packet) {
	s := t.s
	bp := getFrameBuf()
	frames := appendFrames(*bp, batch)
	s.recycle(batch)
	t.wmu.Lock()
	partial := len(t.rest) > 0
	left := frames
	var err error
	if !partial {
		// The deadline the last writer set may have passed since: RawConn
		// then fails the write with a timeout before it makes the call.
		t.extendDeadline()
		var n int
		n, err = t.tryWrite(frames)
		left = frames[n:]
	}
	if err == nil && len(left) > 0 {
		t.rest = append(t.rest, left...)
		partial = true
	}
	rest := int64(len(t.rest))
	t.wmu.Unlock()
	*bp = frames // the whole buffer back to the pool, not what is left of it
	putFrameBuf(bp)

	s.mu.Lock()
	s.setFlight(rest)
	switch {
	case err != nil || s.state == stateClosed:
		t.writing = false
		s.mu.Unlock()
		if err != nil {
			s.close(ReasonTransportError, err)
		}
	case partial || len(s.queue) > 0 || s.state == stateClosing:
		s.mu.Unlock()
		go t.writeFn() // t.writing stays true: the writer owns it now
	default:
		t.writing = false
		s.mu.Unlock()
	}
}

// appendFrames appends the WebSocket frames of a batch of packets.
func appendFrames(buf []byte, batch []packet.Packet) []byte {
	for _, p := range batch {
		buf = appendFrame(buf, p)
	}
	return buf
}

// appendFrame appends the WebSocket frame of one packet.
func appendFrame(buf []byte, p packet.Packet) []byte {
	if p.Binary {
		buf = appendFrameHeader(buf, opBinary, len(p.Data))
	} else {
		buf = appendFrameHeader(buf, opText, 1+len(p.Data))
		buf = append(buf, '0'+byte(p.Type))
	}
	return append(buf, p.Data...)
}

// flushRest writes what a direct write left over, waiting for the client
// as a writer may (up to the write deadline). The caller holds t.wmu.
func (t *wsTransport) flushRest() error {
	if len(t.rest) == 0 {
		return nil
	}
	_, err := t.nc.Write(t.rest)
	clear(t.rest)
	t.rest = t.rest[:0]
	if cap(t.rest) > maxBatchBytes {
		t.rest = nil
	}
	return err
}
