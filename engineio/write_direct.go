package engineio

import (
	"github.com/duplexio/duplex/engineio/packet"
	"github.com/duplexio/duplex/internal/websocket"
)

// Writing on the caller's goroutine.
//
// A reply to one client (an acknowledgement, an emit to one socket) used to
// wake a writer goroutine that then made the system call: a goroutine start
// and two switches per reply, a fifth of the server's CPU in the echo
// benchmark besides the system calls themselves. When no writer runs, Write
// now frames the packets and makes one non-blocking write(2) itself. What
// the socket does not take at once (a client that reads slowly) is kept in
// the connection (websocket.Conn.TryWrite) and handed to a writer
// goroutine, so Write still never waits for a client.
//
// Broadcasts use Enqueue instead: their recipients' writers run after the
// broadcast and often find several packets queued, which then share one
// system call.

// startDirect claims the connection for a write on the caller's goroutine.
// It fails when a writer runs, when this is not (or no longer) the
// session's transport, or when the connection has no file descriptor to
// write to without blocking (TLS). The caller holds s.mu.
func (t *wsTransport) startDirect() bool {
	if !t.conn.CanTryWrite() || t.writing || t.s.transport != transport(t) {
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
	rest, err := t.conn.TryWrite(frames)
	partial := rest > 0
	*bp = frames // the whole buffer back to the pool, not what is left of it
	putFrameBuf(bp)

	s.mu.Lock()
	s.setFlight(int64(rest))
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

// appendFrame appends the WebSocket frame of one packet: a binary frame
// of its bytes, or a text frame of its type digit and its text.
func appendFrame(buf []byte, p packet.Packet) []byte {
	if p.Binary {
		buf = websocket.AppendHeader(buf, websocket.OpBinary, len(p.Data))
	} else {
		buf = websocket.AppendHeader(buf, websocket.OpText, 1+len(p.Data))
		buf = append(buf, '0'+byte(p.Type))
	}
	return append(buf, p.Data...)
}
