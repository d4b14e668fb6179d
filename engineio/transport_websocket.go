package engineio

import (
	"context"
	"errors"
	"io"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/lxzan/gws"

	"github.com/duplexio/duplex/engineio/packet"
	"github.com/duplexio/duplex/internal/wspoll"
)

// wsTransport carries a session over one WebSocket. Reads run on the
// connection's read loop; writes run on a goroutine started when packets
// are queued and gone when the queue is empty, so an idle connection parks
// no writer.
type wsTransport struct {
	s        *Session
	nc       net.Conn
	conn     *gws.Conn                   // set only while gws reads the connection (no epoll: TLS, other systems)
	pc       atomic.Pointer[wspoll.Conn] // set while the server's poller reads it
	raw      syscall.RawConn             // for non-blocking direct writes; nil if unsupported
	probing  bool                        // an upgrade probe, not yet the session's transport; read side only
	probed   bool                        // the probe was answered: polls get noops; guarded by s.mu
	probedAt time.Time                   // when; guarded by s.mu
	writing  bool                        // a writer goroutine runs; guarded by s.mu
	closed   atomic.Bool                 // closeConn was called
	timer    *time.Timer                 // the probe's upgrade timeout; stopped at the end

	writeFn func() // t.writeLoop, bound once: a method value made per kick was an allocation per broadcast recipient

	wmu      sync.Mutex  // one frame writer at a time on the connection
	rest     []byte      // frames a direct write left unwritten; guarded by wmu
	direct   directWrite // tryWrite's state; guarded by wmu
	deadline time.Time   // the write deadline in force; guarded by wmu
}

func newWSTransport(s *Session, conn *gws.Conn, probing bool) *wsTransport {
	nc := conn.NetConn()
	t := &wsTransport{s: s, conn: conn, nc: nc, raw: rawConnOf(nc), probing: probing}
	t.writeFn = t.writeLoop
	return t
}

func (t *wsTransport) name() string { return TransportWebSocket }

func (t *wsTransport) writable() bool { return !t.writing }

func (t *wsTransport) busy() bool { return t.writing }

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
		t.closeConn()
		return
	}
	srv := t.s.srv
	srv.wg.Add()
	go func() {
		defer srv.wg.Done()
		defer t.closeConn()
		_ = t.nc.SetWriteDeadline(time.Now().Add(time.Second))
		t.wmu.Lock()
		defer t.wmu.Unlock()
		if t.flushRest() == nil {
			_, _ = t.nc.Write(closeFrame(1000))
		}
	}()
}

// closeConn closes the connection through whatever reads it, so that the
// read side ends and reports it: the poller must be told (a socket closed
// behind its back leaves epoll silently); gws's read loop sees the error.
func (t *wsTransport) closeConn() {
	t.closed.Store(true)
	if pc := t.pc.Load(); pc != nil {
		_ = pc.Close()
		return
	}
	_ = t.nc.Close()
}

// writeLoop drains the session queue and exits when it is empty. A session
// that was asked to close once flushed closes here.
//
// Before exiting it yields once and looks again: under a broadcast storm
// the next packets are usually queued by then, so they share a batch and
// a system call instead of paying for a new goroutine each.
func (t *wsTransport) writeLoop() {
	s := t.s
	if err := t.writeRest(); err != nil {
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

// writeRest writes what a direct write left, before anything else. Only
// a writer's start needs it: no direct write runs while a writer owns the
// connection, so rest stays empty until the writer lets go.
func (t *wsTransport) writeRest() error {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	if len(t.rest) == 0 {
		return nil
	}
	t.extendDeadline()
	return t.flushRest()
}

// writeBatch frames the packets of a batch into one buffer and writes it
// with as few system calls as its size allows.
func (t *wsTransport) writeBatch(batch []packet.Packet) error {
	bp := getFrameBuf()
	defer putFrameBuf(bp)
	buf := *bp
	t.wmu.Lock()
	defer t.wmu.Unlock()
	t.extendDeadline()
	for _, p := range batch {
		buf = appendFrame(buf, p)
		if len(buf) >= maxBatchBytes {
			if _, err := t.nc.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	*bp = buf
	if len(buf) == 0 {
		return nil
	}
	_, err := t.nc.Write(buf)
	return err
}

// extendDeadline keeps the write deadline at least half of WriteTimeout
// ahead, moving it only when needed: setting it is a cost that a busy
// connection would otherwise pay on every batch. The caller holds t.wmu.
func (t *wsTransport) extendDeadline() {
	timeout := t.s.srv.opts.WriteTimeout
	now := time.Now()
	if t.deadline.Sub(now) > timeout/2 {
		return
	}
	t.deadline = now.Add(timeout)
	_ = t.nc.SetWriteDeadline(t.deadline)
}

// writeControl writes a text or pong frame outside the queue (the probe
// answer, pongs to WebSocket pings), in turn with the writer.
func (t *wsTransport) writeControl(opcode byte, payload []byte) error {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	frame := append(appendFrameHeader(make([]byte, 0, 10+len(payload)), opcode, len(payload)), payload...)
	t.extendDeadline()
	if err := t.flushRest(); err != nil {
		return err
	}
	_, err := t.nc.Write(frame)
	return err
}

// onMessage handles one frame from the client.
func (t *wsTransport) onMessage(data []byte, binary bool) {
	p, err := packet.Decode(data, binary)
	if t.probing {
		t.onProbeMessage(p, err)
		return
	}
	if err != nil {
		t.s.close(ReasonParseError, err)
		return
	}
	t.s.onPacketFrom(p, t.pc.Load())
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
		if t.writeControl(opText, []byte("3probe")) != nil {
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
	default:
		t.dropProbe()
	}
}

func (t *wsTransport) dropProbe() {
	s := t.s
	s.mu.Lock()
	if s.probe == t {
		s.probe = nil
	}
	s.mu.Unlock()
	t.shut(false)
}

// onClose is the end of the WebSocket, whoever ended it. A close frame or
// the end of the TCP stream is "transport close", as Node's ws reports a
// connection closed without a close frame; anything else (a malformed
// frame, a reset) is "transport error".
func (t *wsTransport) onClose(err error) {
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
	var ce *gws.CloseError
	var pe *wspoll.CloseError
	if err == nil || errors.As(err, &ce) || errors.As(err, &pe) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		s.close(ReasonTransportClose, nil)
		return
	}
	s.close(ReasonTransportError, err)
}

// wsEvents routes gws callbacks to the transport stored in the connection.
type wsEvents struct{}

func transportOf(c *gws.Conn) *wsTransport {
	v, _ := c.Session().Load("")
	t, _ := v.(*wsTransport)
	return t
}

func (wsEvents) OnOpen(*gws.Conn) {}

func (wsEvents) OnClose(c *gws.Conn, err error) {
	if t := transportOf(c); t != nil {
		t.onClose(err)
	}
}

func (wsEvents) OnPing(c *gws.Conn, payload []byte) {
	if t := transportOf(c); t != nil {
		_ = t.writeControl(opPong, payload)
	}
}

func (wsEvents) OnPong(*gws.Conn, []byte) {}

func (wsEvents) OnMessage(c *gws.Conn, m *gws.Message) {
	defer m.Close()
	t := transportOf(c)
	// This goroutine reads only this connection: while the session is
	// paused it waits here with the message, and the kernel holds what
	// follows.
	if t != nil && (t.probing || t.s.waitReadable(context.Background())) {
		t.onMessage(m.Bytes(), m.Opcode == gws.OpcodeBinary)
	}
}

// slot is a one-value gws.SessionStorage: the transport of a connection,
// without the map gws would otherwise allocate for each.
type slot struct{ v any }

func (s *slot) Len() int {
	if s.v == nil {
		return 0
	}
	return 1
}
func (s *slot) Load(string) (any, bool)        { return s.v, s.v != nil }
func (s *slot) Delete(string)                  { s.v = nil }
func (s *slot) Store(_ string, v any)          { s.v = v }
func (s *slot) Range(f func(string, any) bool) { f("", s.v) }
