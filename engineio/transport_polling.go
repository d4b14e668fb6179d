package engineio

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/duplexio/duplex/engineio/packet"
)

// transport is what a session needs from the thing that carries it. Methods
// marked "caller holds s.mu" must not block.
type transport interface {
	name() string
	// kick says packets were queued or the session state changed; the caller
	// holds s.mu.
	kick()
	// writable reports whether a packet queued now would leave at once; the
	// caller holds s.mu.
	writable() bool
	// busy reports whether packets taken from the queue are still being
	// written, so that a close must wait for them; the caller holds s.mu.
	busy() bool
	// shut releases the transport once the session is closed; broken says
	// its connection failed, so that nothing more is written to it.
	shut(broken bool)
}

// prober is a transport that a polling session probes before moving onto
// it (an upgrade).
type prober interface {
	transport
	// answered reports whether the probe was answered, and when; the
	// caller holds s.mu.
	answered() (bool, time.Time)
}

var errPollAborted = errors.New("engineio: poll connection closed prematurely")

// pollingTransport is HTTP long-polling: a pending GET receives what is
// queued, a POST delivers what the client sends. One of each at a time.
type pollingTransport struct {
	s       *Session
	wake    chan struct{} // signals a waiting GET; capacity 1
	waiting bool          // a GET is waiting; guarded by s.mu
	posting bool          // a POST is being read; guarded by s.mu
}

func newPollingTransport(s *Session) *pollingTransport {
	return &pollingTransport{s: s, wake: make(chan struct{}, 1)}
}

func (t *pollingTransport) name() string { return TransportPolling }

func (t *pollingTransport) writable() bool { return t.waiting }

// busy is false: a poll that took packets answers with them even if the
// session closes meanwhile.
func (t *pollingTransport) busy() bool { return false }

func (t *pollingTransport) kick() {
	if t.waiting {
		select {
		case t.wake <- struct{}{}:
		default:
		}
	}
}

func (t *pollingTransport) shut(bool) {} // a waiting GET sees s.done

// upgradeNoopTick: once an upgrade probe has been answered, a waiting poll
// gets a noop on the next of these ticks, counted from the answer, as Node's
// engine.io sends one every 100 ms then. A client completes the upgrade
// ("5") only once that poll has returned; a client that sends "5" while its
// poll waits gets, as from Node, the 400 of a poll after the upgrade, not a
// 200 or a 400 depending on which goroutine ran first.
const upgradeNoopTick = 100 * time.Millisecond

// handleGet answers a poll with everything queued, waiting for something to
// be queued when there is nothing yet.
func (t *pollingTransport) handleGet(w http.ResponseWriter, r *http.Request) {
	s := t.s
	s.mu.Lock()
	if t.waiting {
		s.mu.Unlock()
		writeError(w, requestError(CodeBadRequest))
		s.close(ReasonTransportError, ErrPollOverlap)
		return
	}
	if s.state == stateClosed && s.reason == ReasonTransportClose {
		// Closed by its client: a poll sent with the close gets Node's noop
		// once, later ones the 400 of a session gone.
		s.mu.Unlock()
		s.srv.serveEnded(w, s.id)
		return
	}
	if !t.wait(r) {
		return
	}
	if s.transport != transport(t) {
		// Upgraded while the poll waited: polling is over for this session.
		s.mu.Unlock()
		writeError(w, requestError(CodeBadRequest))
		return
	}
	batch := s.take()
	state, reason, upgrading := s.state, s.reason, s.upgrading()
	s.mu.Unlock()

	// A closing session sends what was queued, and the close packet only in
	// the next poll: the client handles the packets of one payload after
	// the close packet in it, which would lose a final DISCONNECT.
	closeNow := state == stateClosing && len(batch) == 0
	switch {
	case state == stateClosed && reason == ReasonTransportClose:
		// The client sent the close: Node ends its poll with a noop.
		batch = append(batch, packet.Packet{Type: packet.Noop})
	case state == stateClosed || closeNow:
		batch = append(batch, packet.Packet{Type: packet.Close})
	case upgrading && len(batch) == 0:
		batch = append(batch, packet.Packet{Type: packet.Noop})
	}
	writePayload(w, batch)
	s.recycle(batch)
	if closeNow {
		s.finishClose()
	}
}

// wait holds the poll until something is queued, the session changes state
// or transport, or, during an upgrade, the next upgradeNoopTick. The caller
// holds s.mu, held again on return; false means the client went away, the
// session is closed and s.mu released.
func (t *pollingTransport) wait(r *http.Request) bool {
	s := t.s
	var delay <-chan time.Time
	delayed := false
	for len(s.queue) == 0 && s.state == stateOpen && s.transport == transport(t) && !(delayed && s.upgrading()) {
		if s.upgrading() && delay == nil {
			_, at := s.probe.answered()
			timer := time.NewTimer(nextTick(at, time.Now()))
			defer timer.Stop()
			delay = timer.C
		}
		t.waiting = true
		s.mu.Unlock()
		select {
		case <-t.wake:
		case <-s.done:
		case <-delay:
			delayed = true
		case <-r.Context().Done():
			s.mu.Lock()
			t.waiting = false
			s.mu.Unlock()
			s.close(ReasonTransportError, errPollAborted)
			return false
		}
		s.mu.Lock()
		t.waiting = false
	}
	return true
}

// nextTick is the time from now to the next upgradeNoopTick after from.
func nextTick(from, now time.Time) time.Duration {
	since := now.Sub(from)
	return upgradeNoopTick - since%upgradeNoopTick
}

func writePayload(w http.ResponseWriter, batch []packet.Packet) {
	body := packet.AppendPayload(nil, batch)
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=UTF-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// handlePost reads the packets a client sends. Overlapping POSTs, bodies
// over MaxHTTPBufferSize and undecodable payloads close the session.
func (t *pollingTransport) handlePost(w http.ResponseWriter, r *http.Request) {
	s := t.s
	s.mu.Lock()
	if t.posting {
		s.mu.Unlock()
		writeError(w, requestError(CodeBadRequest))
		s.close(ReasonTransportError, ErrPollOverlap)
		return
	}
	t.posting = true
	s.mu.Unlock()
	ok := t.readPost(w, r)
	// Done before answering: the client sends its next POST as soon as it
	// has the answer, and that one must not look like an overlap.
	s.mu.Lock()
	t.posting = false
	s.mu.Unlock()
	if !ok {
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html")
	h.Set("Content-Length", "2")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, "ok")
}

// readPost reads and handles the packets of a POST; on failure it has
// answered the request and closed the session.
func (t *pollingTransport) readPost(w http.ResponseWriter, r *http.Request) bool {
	body, err := t.readBody(w, r)
	if err != nil {
		return false
	}
	// As Node reads the body as UTF-8 text: invalid sequences become U+FFFD,
	// so that nothing relayed from a polling client can make a WebSocket
	// client drop its connection over an invalid text frame.
	if !utf8.Valid(body) {
		body = bytes.ToValidUTF8(body, []byte("\uFFFD"))
	}
	pkts, err := packet.DecodePayload(body)
	if err != nil {
		writeError(w, requestError(CodeBadRequest))
		t.s.close(ReasonParseError, err)
		return false
	}
	// While the session is paused (its handlers are behind, or its
	// write queue is backlogged) the rest of the body waits and the POST
	// is not answered: the client sends its next one only after.
	for _, p := range pkts {
		if !t.s.waitReadable(r.Context()) {
			if r.Context().Err() != nil {
				t.s.close(ReasonTransportError, errPollAborted)
				return false
			}
			break // the session closed: its packets go nowhere
		}
		t.s.onPacket(p)
	}
	return true
}

// readBody reads a POST body within the size limit and a deadline, so a
// client can neither send too much nor hold the request open forever.
func (t *pollingTransport) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	s := t.s
	max := s.srv.opts.MaxHTTPBufferSize
	if r.Header.Get("Content-Type") == "application/octet-stream" {
		// Engine.IO v4 sends binary as base64 text: a binary body is an error.
		writeError(w, requestError(CodeBadRequest))
		s.close(ReasonTransportError, packet.ErrInvalidPacket)
		return nil, packet.ErrInvalidPacket
	}
	if r.ContentLength > max {
		t.refuseTooLarge(w, r)
		return nil, ErrPayloadTooLarge
	}
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.srv.opts.PingTimeout + s.srv.opts.PingInterval))
	body, err := io.ReadAll(io.LimitReader(r.Body, max+1))
	if err != nil {
		writeError(w, requestError(CodeBadRequest))
		s.close(ReasonTransportError, err)
		return nil, err
	}
	if int64(len(body)) > max {
		t.refuseTooLarge(w, r)
		return nil, ErrPayloadTooLarge
	}
	return body, nil
}

// Draining a refused body: at most drainFactor times MaxHTTPBufferSize
// bytes, for drainTimeout at most.
const (
	drainFactor  = 4
	drainTimeout = 5 * time.Second
)

// refuseTooLarge answers 413, as Node does (no body), closes the session,
// then reads and drops what comes of the body, within bounds, before the
// connection closes. Closed with the body still arriving, the connection
// was reset, and a client still sending (one in five of 2 MB POSTs, or
// any that sends the whole body before reading) saw "connection reset by
// peer" instead of the 413. Node reads such a body to its end; past the
// bounds, net/http closes as before.
func (t *pollingTransport) refuseTooLarge(w http.ResponseWriter, r *http.Request) {
	// No "Connection: close" of ours: net/http adds it over HTTP/1 when
	// more than 256 KiB remain, and over HTTP/2 it would end the whole
	// connection, other streams included.
	w.WriteHeader(http.StatusRequestEntityTooLarge)
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	t.s.close(ReasonTransportError, ErrPayloadTooLarge)
	limit := drainFactor * t.s.srv.opts.MaxHTTPBufferSize
	if r.ContentLength > limit {
		return // too much to wait for: let net/http close now
	}
	_ = rc.SetReadDeadline(time.Now().Add(drainTimeout))
	_, _ = io.CopyN(io.Discard, r.Body, limit)
}
