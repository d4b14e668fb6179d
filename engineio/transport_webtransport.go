package engineio

import (
	"errors"
	"io"
	"time"

	"github.com/quic-go/webtransport-go"

	"github.com/duplexio/duplex/engineio/packet"
)

// wtCloseGrace is how long a WebTransport session closed by the server
// stays up before it is closed: closing the session resets its streams,
// which would let the client drop the last packets (a Socket.IO
// DISCONNECT) still in flight. A client that closes the session first
// ends the wait sooner. (No FIN is sent first: quic-go's Stream.Close must
// not run concurrently with a Write, which a writer blocked on a client
// that does not read may be in.)
const wtCloseGrace = time.Second

// wtTransport carries a session over the first bidirectional stream of a
// WebTransport session, framed as engine.io-parser's stream codec (see
// packet.AppendStreamFrame). A goroutine reads the stream for the
// session's life; writes go through a writer goroutine started when
// packets are queued and gone when the queue is empty, as on a WebSocket.
type wtTransport struct {
	s        *Session
	sess     *webtransport.Session
	str      *webtransport.Stream
	dec      *packet.StreamReader
	probing  bool        // an upgrade probe, not yet the session's transport; read side only
	probed   bool        // the probe was answered: polls get noops; guarded by s.mu
	probedAt time.Time   // when; guarded by s.mu
	writing  bool        // a writer goroutine owns the stream; guarded by s.mu
	timer    *time.Timer // the probe's upgrade timeout
}

func newWTTransport(s *Session, sess *webtransport.Session, str *webtransport.Stream, dec *packet.StreamReader, probing bool) *wtTransport {
	return &wtTransport{s: s, sess: sess, str: str, dec: dec, probing: probing}
}

func (t *wtTransport) name() string { return TransportWebTransport }

func (t *wtTransport) writable() bool { return !t.writing }

func (t *wtTransport) busy() bool { return t.writing }

func (t *wtTransport) answered() (bool, time.Time) { return t.probed, t.probedAt }

func (t *wtTransport) kick() {
	if !t.writing && t.s.transport == transport(t) {
		t.writing = true
		go t.writeLoop()
	}
}

// shut ends the WebTransport session: at once when broken, else after
// up to wtCloseGrace. It never waits itself: a writer may still be blocked
// on a client that does not read (its write fails when the session
// closes).
func (t *wtTransport) shut(broken bool) {
	srv := t.s.srv
	srv.wg.Add()
	go func() {
		defer srv.wg.Done()
		if !broken {
			grace := time.NewTimer(wtCloseGrace)
			select {
			case <-t.sess.Context().Done():
			case <-grace.C:
			}
			grace.Stop()
		}
		_ = t.sess.CloseWithError(0, "")
	}()
}

// writeLoop drains the session queue and exits when it is empty; a
// session asked to close once flushed closes here.
func (t *wtTransport) writeLoop() {
	s := t.s
	for {
		s.mu.Lock()
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
		err := t.writeBatch(batch)
		s.recycle(batch)
		if err != nil {
			s.close(ReasonTransportError, err)
			return
		}
	}
}

// writeBatch frames a batch into one buffer, flushed every maxBatchBytes,
// each write bounded by WriteTimeout.
func (t *wtTransport) writeBatch(batch []packet.Packet) error {
	bp := getFrameBuf()
	defer putFrameBuf(bp)
	buf := (*bp)[:0]
	for _, p := range batch {
		buf = packet.AppendStreamFrame(buf, p)
		if len(buf) >= maxBatchBytes {
			if err := t.write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	*bp = buf
	if len(buf) == 0 {
		return nil
	}
	return t.write(buf)
}

func (t *wtTransport) write(b []byte) error {
	_ = t.str.SetWriteDeadline(time.Now().Add(t.s.srv.opts.WriteTimeout))
	_, err := t.str.Write(b)
	return err
}

// readLoop reads the client's packets until the stream ends. srv.wg
// counts it. While the session is paused (flow.go) it stops reading, so
// that QUIC's flow control slows the client; a probe is always read.
func (t *wtTransport) readLoop() {
	defer t.s.srv.wg.Done()
	for {
		p, err := t.dec.Next()
		if err != nil {
			t.ended(err)
			return
		}
		if t.probing {
			t.onProbePacket(p)
			continue
		}
		t.s.onPacket(p)
		if !t.s.waitReadable(t.sess.Context()) {
			t.ended(t.sess.Context().Err())
			return
		}
	}
}

// onProbePacket runs the upgrade as on a WebSocket (see
// wsTransport.onProbeMessage): "2probe" is answered "3probe", "5" makes
// this the session's transport, anything else drops the probe.
func (t *wtTransport) onProbePacket(p packet.Packet) {
	s := t.s
	switch {
	case p.Type == packet.Ping && string(p.Data) == "probe":
		if t.write(packet.AppendStreamFrame(nil, packet.Packet{Type: packet.Pong, Data: []byte("probe")})) != nil {
			return
		}
		s.mu.Lock()
		if s.probe == prober(t) && s.state == stateOpen {
			t.probed, t.probedAt = true, time.Now()
			s.transport.kick() // a waiting poll returns now
		}
		s.mu.Unlock()
	case p.Type == packet.Upgrade:
		t.upgradeTo()
	default:
		t.dropProbe()
	}
}

// upgradeTo makes the probe the session's transport.
func (t *wtTransport) upgradeTo() {
	s := t.s
	s.mu.Lock()
	if s.probe != prober(t) || s.state == stateClosed {
		s.mu.Unlock()
		t.shut(false)
		return
	}
	old := s.transport
	s.probe, s.transport, t.probing = nil, t, false
	t.timer.Stop()
	old.kick() // a waiting poll returns now
	t.kick()
	s.mu.Unlock()
	s.srv.opts.Logger.Debug("engineio: upgraded", "sid", s.id, "transport", TransportWebTransport)
	if o := s.srv.opts.Observer; o != nil {
		o.Upgraded(true)
	}
}

func (t *wtTransport) dropProbe() {
	s := t.s
	s.mu.Lock()
	dropped := s.probe == prober(t)
	if dropped {
		s.probe = nil
	}
	s.mu.Unlock()
	t.shut(false)
	if o := s.srv.opts.Observer; dropped && o != nil {
		o.Upgraded(false)
	}
}

// ended is the end of the stream, whoever ended it. The stream's or the
// session's orderly end is "transport close"; a malformed or oversized
// frame "parse error", as from Node's decoder stream; anything else
// "transport error".
func (t *wtTransport) ended(err error) {
	s := t.s
	if t.timer != nil {
		t.timer.Stop()
	}
	s.mu.Lock()
	current := s.transport == transport(t)
	if s.probe == prober(t) {
		s.probe = nil
	}
	s.mu.Unlock()
	if !current {
		t.shut(true)
		return
	}
	var se *webtransport.SessionError
	switch {
	case errors.Is(err, packet.ErrInvalidPacket):
		s.close(ReasonParseError, err)
	case errors.Is(err, io.EOF) || errors.As(err, &se):
		s.close(ReasonTransportClose, nil)
	default:
		s.close(ReasonTransportError, err)
	}
}
