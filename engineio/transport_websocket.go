package engineio

import (
	"errors"
	"io"
	"runtime"
	"time"

	"github.com/duplexio/duplex/engineio/packet"
	"github.com/duplexio/duplex/internal/enginehook"
	"github.com/duplexio/duplex/internal/websocket"
)

// wsTransport carries a session over one WebSocket, and only speaks
// Engine.IO: the WebSocket I/O (handshake, reads on either path, frame
// writes, close frames) is internal/websocket's, behind *websocket.Conn.
// Reads come on the connection's Handler (this transport); writes run on
// the caller's goroutine when they can (writeDirect) or on a goroutine
// started when packets are queued and gone when the queue is empty, so an
// idle connection parks no writer.
type wsTransport struct {
	s        *Session
	conn     *websocket.Conn
	probing  bool        // an upgrade probe, not yet the session's transport; read side only
	probed   bool        // the probe was answered: polls get noops; guarded by s.mu
	probedAt time.Time   // when; guarded by s.mu
	writing  bool        // a writer goroutine (or a direct write) owns the connection; guarded by s.mu
	timer    *time.Timer // the probe's upgrade timeout; stopped at the end

	writeFn func() // t.writeLoop, bound once: a method value made per kick was an allocation per broadcast recipient
}

var _ websocket.Handler = (*wsTransport)(nil)

func newWSTransport(s *Session, conn *websocket.Conn, probing bool) *wsTransport {
	t := &wsTransport{s: s, conn: conn, probing: probing}
	t.writeFn = t.writeLoop
	return t
}

func (t *wsTransport) name() string { return TransportWebSocket }

func (t *wsTransport) writable() bool { return !t.writing }

func (t *wsTransport) busy() bool { return t.writing }

func (t *wsTransport) answered() (bool, time.Time) { return t.probed, t.probedAt }

func (t *wsTransport) kick() {
	if !t.writing && t.s.transport == transport(t) {
		t.writing = true
		go t.writeFn()
	}
}

// shut closes the WebSocket: at once when broken, else with a close frame. The frame is written on a goroutine of its own, bounded by a
// deadline, because a writer may still be blocked on a client that does not
// read, and shut must never make its caller (maybe a broadcast) wait.
func (t *wsTransport) shut(broken bool) {
	if broken {
		_ = t.conn.Close()
		return
	}
	srv := t.s.srv
	srv.wg.Add()
	go func() {
		defer srv.wg.Done()
		_ = t.conn.WriteClose(websocket.CodeNormal, "")
		_ = t.conn.Close()
	}()
}

// writeLoop drains the session queue and exits when it is empty. A session
// that was asked to close once flushed closes here.
//
// Before exiting it yields once and looks again: under a broadcast storm
// the next packets are usually queued by then, so they share a batch and
// a system call instead of paying for a new goroutine each.
func (t *wsTransport) writeLoop() {
	s := t.s
	if err := t.conn.Flush(); err != nil { // what a direct write left comes first
		s.close(ReasonTransportError, err)
		return
	}
	s.mu.Lock()
	s.setFlight(0) // what a direct write left is written
	s.mu.Unlock()
	yielded := false
	for {
		s.mu.Lock()
		if len(s.queue) == 0 && !yielded && s.state == stateOpen {
			s.mu.Unlock()
			yielded = true
			runtime.Gosched()
			continue
		}
		if len(s.queue) == 0 || s.transport != transport(t) || s.state == stateClosed {
			t.writing = false
			closing := s.state == stateClosing && len(s.queue) == 0
			s.mu.Unlock()
			if closing {
				s.finishClose()
			}
			return
		}
		batch := s.take()
		s.mu.Unlock()
		yielded = false
		err := t.writeBatch(batch)
		s.recycle(batch)
		if err != nil {
			s.close(ReasonTransportError, err)
			return
		}
	}
}

// writeBatch frames the packets of a batch into one buffer and writes it
// with as few system calls as its size allows.
func (t *wsTransport) writeBatch(batch []packet.Packet) error {
	bp := getFrameBuf()
	defer putFrameBuf(bp)
	buf := *bp
	for _, p := range batch {
		buf = appendFrame(buf, p)
		if len(buf) >= maxBatchBytes {
			if err := t.conn.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	*bp = buf
	if len(buf) == 0 {
		return nil
	}
	return t.conn.Write(buf)
}

// OnMessage handles one frame from the client.
func (t *wsTransport) OnMessage(data []byte, binary bool) {
	p, err := packet.Decode(data, binary)
	if t.probing {
		t.onProbeMessage(p, err)
		return
	}
	if err != nil {
		t.s.close(ReasonParseError, err)
		return
	}
	t.s.onPacketFrom(p, t.conn)
}

// onProbeMessage runs the upgrade: "2probe" is answered "3probe", and from
// then on a waiting poll gets a noop on the next 100 ms tick (see
// upgradeNoopTick) so that the client can pause polling, as Node's do;
// "5" switches the session to this WebSocket, also while the session is
// closing, so that what it flushes goes out. Anything else drops the probe.
func (t *wsTransport) onProbeMessage(p packet.Packet, err error) {
	s := t.s
	switch {
	case err == nil && p.Type == packet.Ping && string(p.Data) == "probe":
		if t.conn.WriteFrame(websocket.OpText, []byte("3probe")) != nil {
			return
		}
		s.mu.Lock()
		if s.probe == t && s.state == stateOpen {
			t.probed, t.probedAt = true, time.Now()
			s.transport.kick() // a waiting poll returns now
		}
		s.mu.Unlock()
	case err == nil && p.Type == packet.Upgrade:
		s.mu.Lock()
		if s.probe != t || s.state == stateClosed {
			s.mu.Unlock()
			t.shut(false)
			return
		}
		old := s.transport
		s.probe, s.transport, t.probing = nil, t, false
		if s.paused != 0 {
			t.pauseRead(true)
		}
		old.kick() // a waiting poll returns now
		t.kick()
		s.mu.Unlock()
		s.srv.opts.Logger.Debug("engineio: upgraded", "sid", s.id)
		if o := s.srv.opts.Observer; o != nil {
			o.Upgraded(true)
		}
		if u, ok := s.recv.(enginehook.Upgrader); ok {
			u.OnUpgrade()
		}
	default:
		t.dropProbe()
	}
}

func (t *wsTransport) dropProbe() {
	s := t.s
	s.mu.Lock()
	dropped := s.probe == t
	if dropped {
		s.probe = nil
	}
	s.mu.Unlock()
	t.shut(false)
	if o := s.srv.opts.Observer; dropped && o != nil {
		o.Upgraded(false)
	}
}

// OnPing has nothing to do: the connection has answered it.
func (t *wsTransport) OnPing([]byte) {}

// OnClose is the end of the WebSocket, whoever ended it. A close frame or
// the end of the TCP stream is "transport close", as Node's ws reports a
// connection closed without a close frame; anything else (a malformed
// frame, a reset) is "transport error". The connection no longer counts
// for the server's Shutdown.
func (t *wsTransport) OnClose(err error) {
	defer t.s.srv.wg.Done()
	s := t.s
	if t.timer != nil {
		t.timer.Stop()
	}
	s.mu.Lock()
	current := s.transport == transport(t)
	if s.probe == t {
		s.probe = nil
	}
	s.mu.Unlock()
	if !current {
		return
	}
	var ce *websocket.CloseError
	if err == nil || errors.As(err, &ce) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		s.close(ReasonTransportClose, nil)
		return
	}
	s.close(ReasonTransportError, err)
}

// startReading reads t's WebSocket until it ends, without waiting. srv.wg
// counts the connection until OnClose.
func (srv *Server) startReading(t *wsTransport) {
	srv.wg.Add()
	t.conn.Serve(t)
}
