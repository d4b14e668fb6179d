package engineio

import (
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/duplexio/duplex/engineio/packet"
	"github.com/duplexio/duplex/internal/enginehook"
	"github.com/duplexio/duplex/internal/websocket"
)

// Message is one Engine.IO message to send: text (UTF-8) or binary. Data is
// not copied: it must not change once written, which lets one broadcast
// share the same bytes among all its recipients.
type Message struct {
	Data   []byte
	Binary bool
}

// Receiver gets what one session receives. Calls for one session never
// overlap, and none follows OnClose.
type Receiver interface {
	// OnMessage is called for each message. data is only valid during the
	// call: copy what you keep.
	OnMessage(data []byte, binary bool)
	// OnClose is called once, with one of the Reason constants and the
	// error behind it, if any.
	OnClose(reason string, err error)
}

// ConnectFunc is called for each new session before it receives anything;
// the Receiver it returns gets the session's messages.
type ConnectFunc func(s *Session) Receiver

type sessionState uint8

const (
	stateOpen    sessionState = iota
	stateClosing              // flushing the queue before closing
	stateClosed
)

// Session is one Engine.IO connection, whatever transport currently carries
// it. It is safe for concurrent use: every method may be called from any
// goroutine, the Receiver's methods included, and none blocks but
// WaitWritable (which a Receiver should not call from OnMessage: the
// session reads nothing from the client, pongs included, meanwhile). The
// writes (Write, Enqueue, WriteVolatile) differ only in when the bytes
// leave, never in what is safe.
type Session struct {
	id      string
	srv     *Server
	req     *handshakeRequest
	created time.Time
	done    chan struct{}

	rmu     sync.Mutex // serializes calls into recv
	recv    Receiver
	deferTo *websocket.Conn // the WebSocket delivering to recv; under rmu

	mu        sync.Mutex
	state     sessionState
	closeWhy  string // the reason a closing session will close with
	reason    string // the reason it closed with, once closed
	transport transport
	probe     prober // a WebSocket or WebTransport being upgraded to
	reserved  bool   // an upgrade handshake is under way: no second one
	queue     []packet.Packet
	spare     []packet.Packet // the previous queue, kept for reuse
	qbytes    int64           // cost (queueCost) of queue
	flight    int64           // cost of what a writer took and has not written yet
	drained   chan struct{}   // closed when the backlog ends; made by WaitWritable
	paused    uint8           // pauseX bits: the client is not read while non-zero
	resumed   chan struct{}   // closed when reading resumes; nil while not paused
	backlog   atomic.Bool     // qbytes+flight went over the soft bound and not yet below half of it
	rpaused   atomic.Bool     // paused != 0, for the readers' checks without s.mu
	hbTimer   *time.Timer
	hbDue     time.Time
	awaitPong bool
}

// ID returns the session id (sid), unguessable and URL-safe.
func (s *Session) ID() string { return s.id }

// Request returns a copy of the handshake request: method, headers, URL
// with its query, host, remote address and TLS state. Its body is empty.
// Every call returns the same request: do not change it.
func (s *Session) Request() *http.Request { return s.req.request() }

// Created returns the time of the handshake.
func (s *Session) Created() time.Time { return s.created }

// Done is closed when the session ends.
func (s *Session) Done() <-chan struct{} { return s.done }

// Transport names the transport currently in use.
func (s *Session) Transport() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.transport.name()
}

// Write queues msgs to be sent in order, contiguously. It never blocks. It
// fails with ErrClosed once the session is closing; a client whose queue
// overflows (MaxWriteQueueBytes or WriteQueueSize) is disconnected and
// Write returns ErrQueueFull. A sender of many messages to one client can
// wait for it with WaitWritable.
//
// When nothing else is being written to the session's WebSocket, Write
// sends at once from the caller's goroutine with a non-blocking system
// call; see Enqueue for senders to many sessions.
func (s *Session) Write(msgs ...Message) error { return s.write(msgs, true) }

// Enqueue is Write that leaves the sending to the session's writer
// goroutine, from any goroutine. A broadcast enqueues to each recipient:
// the writers run after it and take whatever has been queued by then, so
// that the packets of a burst of broadcasts share one system call per
// recipient.
func (s *Session) Enqueue(msgs ...Message) error { return s.write(msgs, false) }

func (s *Session) write(msgs []Message, direct bool) error {
	s.mu.Lock()
	if s.state != stateOpen {
		s.mu.Unlock()
		return ErrClosed
	}
	cost := int64(0)
	for _, m := range msgs {
		cost += queueCost(len(m.Data))
	}
	if len(s.queue)+len(msgs) > s.srv.opts.WriteQueueSize || s.qbytes+s.flight+cost > s.srv.opts.MaxWriteQueueBytes {
		s.mu.Unlock()
		s.close(ReasonTransportError, ErrQueueFull)
		return ErrQueueFull
	}
	for _, m := range msgs {
		s.queue = append(s.queue, packet.Packet{Type: packet.Message, Data: m.Data, Binary: m.Binary})
	}
	s.qbytes += cost
	s.checkBacklog()
	if t, ok := s.transport.(*wsTransport); ok && direct && t.startDirect() {
		batch := s.take()
		s.mu.Unlock()
		if o := s.srv.opts.Observer; o != nil {
			o.MessagesOut(len(msgs), messagesBytes(msgs))
		}
		t.writeDirect(batch)
		return nil
	}
	s.transport.kick()
	s.mu.Unlock()
	// Told once s.mu is released, by a call at each return rather than a
	// defer, which cost a broadcast 14 instructions per recipient.
	if o := s.srv.opts.Observer; o != nil {
		o.MessagesOut(len(msgs), messagesBytes(msgs))
	}
	return nil
}

// WriteVolatile is Write for messages that may be lost: they are dropped
// unless the transport can send them right away (nothing queued, and a
// WebSocket not busy writing or a polling request waiting). It reports whether
// they were queued; it is safe from any goroutine, as Write.
func (s *Session) WriteVolatile(msgs ...Message) bool {
	s.mu.Lock()
	open := s.state == stateOpen
	ok := open && len(s.queue) == 0 && s.transport.writable()
	s.mu.Unlock()
	if o := s.srv.opts.Observer; open && !ok && o != nil {
		o.MessagesDropped(len(msgs))
	}
	return ok && s.Write(msgs...) == nil
}

// Close sends what is queued, then closes the session with reason
// "forced close".
func (s *Session) Close() { s.closeGracefully(ReasonForcedClose) }

// closeGracefully sends what is queued, then closes with reason.
func (s *Session) closeGracefully(reason string) {
	s.mu.Lock()
	if s.state != stateOpen {
		s.mu.Unlock()
		return
	}
	if len(s.queue) == 0 && !s.transport.busy() {
		s.mu.Unlock()
		s.close(reason, nil)
		return
	}
	s.state, s.closeWhy = stateClosing, reason
	s.transport.kick()
	s.mu.Unlock()
}

// finishClose closes a session whose queue was flushed after
// closeGracefully.
func (s *Session) finishClose() {
	s.mu.Lock()
	why := s.closeWhy
	s.mu.Unlock()
	s.close(why, nil)
}

// Abort closes the session at once, dropping what is queued, with the given
// reason passed to Receiver.OnClose.
func (s *Session) Abort(reason string, err error) { s.close(reason, err) }

// upgrading reports whether an upgrade probe was answered, after which
// polls must not wait; the caller holds s.mu.
func (s *Session) upgrading() bool {
	if s.probe == nil {
		return false
	}
	answered, _ := s.probe.answered()
	return answered
}

// push queues a control packet; the caller holds s.mu.
func (s *Session) push(p packet.Packet) {
	s.queue = append(s.queue, p)
	s.qbytes += queueCost(len(p.Data))
	s.transport.kick()
}

// take hands the queued packets to a writer; the caller holds s.mu and gives
// the slice back with recycle when written.
func (s *Session) take() []packet.Packet {
	q := s.queue
	s.queue, s.spare = s.spare[:0], nil
	s.flight, s.qbytes = s.flight+s.qbytes, 0
	return q
}

// recycle takes back a batch once written (or framed for a direct write,
// which then counts what it could not write: setFlight).
func (s *Session) recycle(q []packet.Packet) {
	clear(q) // drop references to written payloads
	s.mu.Lock()
	if s.spare == nil && cap(q) <= 256 {
		s.spare = q[:0]
	}
	s.flight = 0
	s.checkBacklog()
	s.mu.Unlock()
}

// close ends the session: it stops the heartbeat, shuts the transports,
// leaves the server's table and tells the receiver. It is idempotent.
func (s *Session) close(reason string, err error) {
	s.mu.Lock()
	if s.state == stateClosed {
		s.mu.Unlock()
		return
	}
	s.state, s.reason = stateClosed, reason
	s.hbTimer.Stop()
	t, probe := s.transport, s.probe
	s.probe = nil
	if o := s.srv.opts.Observer; o != nil {
		// The transport's name is read now, under s.mu, as an upgrade
		// switches it; the call runs once s.mu is released.
		defer o.SessionClosed(t.name(), reason, err)
	}
	pt, polling := t.(*pollingTransport)
	// A client closing over polling may have sent its next poll with the
	// close; unless that poll is already waiting, let it find the noop.
	ended := polling && reason == ReasonTransportClose && !pt.waiting
	s.mu.Unlock()

	close(s.done)
	s.srv.remove(s, ended)
	broken := connBroken(reason, err)
	t.shut(broken)
	if probe != nil {
		probe.shut(broken)
	}
	// OnClose runs on its own goroutine because close may be called from
	// inside OnMessage (a parse error, a user's disconnect), which holds rmu.
	go func() {
		defer s.srv.wg.Done()
		s.rmu.Lock()
		defer s.rmu.Unlock()
		s.recv.OnClose(reason, err)
		s.srv.opts.Logger.Debug("engineio: session closed", "sid", s.id, "reason", reason, "err", err)
	}()
}

// onPacket handles one packet from the client, whatever its transport.
func (s *Session) onPacket(p packet.Packet) { s.onPacketFrom(p, nil) }

// onPacketFrom handles a packet that pc, when not nil, read: the
// Receiver may then Defer work to the poller's goroutine.
func (s *Session) onPacketFrom(p packet.Packet, pc *websocket.Conn) {
	switch p.Type {
	case packet.Message:
		if o := s.srv.opts.Observer; o != nil {
			o.MessagesIn(1, len(p.Data))
		}
		s.rmu.Lock()
		if !s.closed() {
			s.deferTo = pc
			s.recv.OnMessage(p.Data, p.Binary)
			s.deferTo = nil
		}
		s.rmu.Unlock()
	case packet.Pong:
		s.onPong()
	case packet.Close:
		s.close(ReasonTransportClose, nil)
	case packet.Noop, packet.Upgrade:
		// harmless: a late upgrade or noop on the old transport
	case packet.Ping:
		// In v4 the server pings, never the client ("2probe" only on a probe).
		s.close(ReasonTransportError, errPingDirection)
	default:
		s.close(ReasonTransportError, packet.ErrInvalidPacket)
	}
}

// errPingDirection is the error of a client that pings, named as Node's.
var errPingDirection = fmt.Errorf("%w: invalid heartbeat direction", packet.ErrInvalidPacket)

// connBroken reports whether a session closed for reason and err closed
// because its connection failed or ended: then nothing more is written to
// it. A protocol error from the client comes over a working connection,
// which gets a close frame, as from Node.
func connBroken(reason string, err error) bool {
	switch reason {
	case ReasonTransportClose:
		return true
	case ReasonTransportError:
		return !errors.Is(err, packet.ErrInvalidPacket)
	}
	return false
}

// deferrer is a Session as the enginehook.Deferrer a Receiver may take;
// see package enginehook for why Defer is not a method of Session.
type deferrer Session

var _ enginehook.Deferrer = (*deferrer)(nil)

// Defer implements enginehook.Deferrer.
func (d *deferrer) Defer(fn func()) bool {
	return d.deferTo != nil && d.deferTo.Defer(fn)
}

func (s *Session) closed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state == stateClosed
}
