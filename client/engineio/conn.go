package engineio

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/duplexio/duplex/engineio/packet"
)

// handshake is the data of the open packet.
type handshake struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int64    `json:"pingInterval"` // ms
	PingTimeout  int64    `json:"pingTimeout"`  // ms
	MaxPayload   int      `json:"maxPayload"`
}

// Message is one Engine.IO message: text (UTF-8) or binary data.
type Message struct {
	Data   []byte
	Binary bool
}

// Handler gets what a connection receives. OnMessage calls do not
// overlap, and data is valid only during the call. Neither method may
// wait for the connection's goroutines (Close, Wait), which call them;
// both may call Write and Abort.
type Handler interface {
	OnMessage(c *Conn, data []byte, binary bool)
	// OnClose is called once, when the connection has closed, with a
	// Reason constant and the error behind it, if any.
	OnClose(c *Conn, reason string, err error)
}

// transport carries an engine's packets. It delivers what it reads to
// engine.onPacket and reports its end to engine.transportClosed.
type transport interface {
	name() string
	// write sends pkts and returns once they are written.
	write(ctx context.Context, pkts []packet.Packet) error
	// close ends the transport at once, without the Engine.IO close
	// handshake; its reads end.
	close()
}

// Conn is one Engine.IO session seen from the client: its transport
// (upgraded from polling to WebSocket when it can be), a write queue
// drained by one writer goroutine, and the heartbeat answered. It knows
// nothing of Socket.IO. Its methods are safe for concurrent use.
type Conn struct {
	cfg  *config
	recv Handler
	hs   handshake

	ctx    context.Context // ends with the connection: cancels requests and dials
	cancel context.CancelFunc
	done   chan struct{} // closed once the connection is closed
	wg     sync.WaitGroup
	recvMu sync.Mutex // serializes delivery, whichever transport reads

	mu        sync.Mutex
	tr        transport
	probe     transport // a WebSocket or WebTransport being upgraded to
	queue     []packet.Packet
	writing   bool // the writer has a batch in flight
	paused    bool // an upgrade holds the writer
	closing   bool // close was called: no more writes are taken
	closed    bool
	kick      chan struct{}
	changed   chan struct{} // closed and renewed when the write state changes
	pingTimer *time.Timer
}

// Dial opens a connection with the first of cfg.Transports, and upgrades
// it to WebSocket in the background when the server offers it. h gets
// what it receives until it closes. On failure nothing of it is left
// running; a server's refusal is an *HTTPError.
func Dial(ctx context.Context, cfg *Config, h Handler) (*Conn, error) {
	c, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	ectx, cancel := context.WithCancel(context.Background())
	e := &Conn{cfg: c, recv: h, ctx: ectx, cancel: cancel,
		done: make(chan struct{}), kick: make(chan struct{}, 1)}
	switch c.transports[0] {
	case TransportWebSocket:
		err = e.openWebSocket(ctx)
	case TransportWebTransport:
		err = e.openWebTransport(ctx)
	default:
		err = e.openPolling(ctx)
	}
	if err != nil {
		e.abort()
		return nil, err
	}
	return e, nil
}

// goTracked runs f on a goroutine that the engine waits for.
func (e *Conn) goTracked(f func()) {
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		f()
	}()
}

// start records the handshake and starts the writer and the heartbeat; the
// transport's reads are running or start right after.
func (e *Conn) start(tr transport, open []byte) error {
	if err := json.Unmarshal(open, &e.hs); err != nil || e.hs.SID == "" {
		return fmt.Errorf("engineio: bad handshake %q", open)
	}
	if e.hs.PingInterval <= 0 || e.hs.PingTimeout <= 0 {
		return fmt.Errorf("engineio: bad handshake %q: no heartbeat", open)
	}
	e.mu.Lock()
	e.tr = tr
	e.pingTimer = time.AfterFunc(e.pingDeadline(), e.onPingTimeout)
	e.mu.Unlock()
	e.goTracked(e.writeLoop)
	e.cfg.logger.Debug("engineio: open", "sid", e.hs.SID, "transport", tr.name())
	return nil
}

// ID returns the Engine.IO session id.
func (e *Conn) ID() string { return e.hs.SID }

// Context returns a context that ends when the connection closes: for the
// work of the layer above that is worth nothing after it.
func (e *Conn) Context() context.Context { return e.ctx }

// Transport returns the name of the current transport: TransportPolling,
// TransportWebSocket or TransportWebTransport.
func (e *Conn) Transport() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.tr == nil {
		return ""
	}
	return e.tr.name()
}

// pingDeadline is how long the engine waits for the next ping.
func (e *Conn) pingDeadline() time.Duration {
	return time.Duration(e.hs.PingInterval+e.hs.PingTimeout) * time.Millisecond
}

func (e *Conn) onPingTimeout() { e.terminate(ReasonPingTimeout, nil) }

// onPacket handles a packet the current transport read. It returns false
// when the transport should stop reading.
func (e *Conn) onPacket(p packet.Packet) bool {
	switch p.Type {
	case packet.Message:
		e.recvMu.Lock()
		e.recv.OnMessage(e, p.Data, p.Binary)
		e.recvMu.Unlock()
	case packet.Ping:
		e.mu.Lock()
		if e.pingTimer != nil {
			e.pingTimer.Reset(e.pingDeadline())
		}
		e.mu.Unlock()
		e.pong(bytes.Clone(p.Data))
	case packet.Close:
		e.terminate(ReasonTransportClose, nil)
		return false
	}
	// open, pong, upgrade and noop mean nothing to a client now
	return true
}

// transportEnded is called by a transport whose reads ended; only the
// current transport's end closes the engine.
func (e *Conn) transportEnded(t transport, reason string, err error) {
	e.mu.Lock()
	current := e.tr == t
	e.mu.Unlock()
	if current {
		e.terminate(reason, err)
	}
}

// terminate closes the connection at once, for reason, and tells the
// Handler; once Close was called, whatever ends it is the end Close asked
// for (a server answers the pending poll or the close packet by closing,
// which must not read as a transport error). The first call wins; later
// ones do nothing.
func (e *Conn) terminate(reason string, err error) {
	e.mu.Lock()
	if e.closing {
		reason, err = ReasonForcedClose, nil
	}
	e.mu.Unlock()
	e.end(reason, err)
}

// transportFailed is transportEnded for a read that failed: a parse error
// or a transport error.
func (e *Conn) transportFailed(t transport, err error) {
	reason := ReasonTransportError
	if errors.Is(err, packet.ErrInvalidPacket) {
		reason = ReasonParseError
	}
	e.transportEnded(t, reason, err)
}

// Close ends the connection gracefully: what is queued is written (until
// ctx ends), the server is told, and the transport is closed; the Handler
// gets ReasonForcedClose. It does not wait for the connection's
// goroutines: see Wait.
func (e *Conn) Close(ctx context.Context) {
	e.mu.Lock()
	if !e.closed && !e.closing {
		e.closing = true
		if e.tr != nil && e.tr.name() == TransportPolling {
			// Over WebSocket the close frame says it; a polling server
			// needs the packet.
			e.queue = append(e.queue, packet.Packet{Type: packet.Close})
			e.kickLocked()
		}
	}
	e.mu.Unlock()
	_ = e.waitFor(ctx, func() bool { return len(e.queue) == 0 && !e.writing })
	e.terminate(ReasonForcedClose, nil)
}

// Abort closes the connection at once, without writing what is queued,
// and tells the Handler reason and err: for a layer above that found the
// server's messages wrong (ReasonParseError). The first end wins; later
// calls do nothing.
func (e *Conn) Abort(reason string, err error) { e.end(reason, err) }

// end closes the connection at once, for reason, and tells the Handler.
// The first call wins; later ones do nothing.
func (e *Conn) end(reason string, err error) {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return
	}
	e.closed = true
	tr, probe := e.tr, e.probe
	if e.pingTimer != nil {
		e.pingTimer.Stop()
	}
	e.notifyLocked()
	e.mu.Unlock()
	close(e.done)
	e.cancel()
	if tr != nil {
		tr.close()
	}
	if probe != nil {
		probe.close()
	}
	e.cfg.logger.Debug("engineio: closed", "sid", e.hs.SID, "reason", reason, "err", err)
	e.recv.OnClose(e, reason, err)
}

// abort ends a connection whose opening failed, without telling the
// Handler, and waits for its goroutines. The opener closes its transport.
func (e *Conn) abort() {
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
	e.cancel()
	e.Wait()
}

// Wait waits for every goroutine of the connection to end, once it is
// closed. It must not be called from one of them (a Handler method).
func (e *Conn) Wait() { e.wg.Wait() }
