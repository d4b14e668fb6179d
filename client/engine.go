package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/duplexio/duplex/engineio/packet"
)

// maxReadSize bounds one polling response or WebSocket message from the
// server, so that a broken server cannot make the client allocate without
// limit.
const maxReadSize = 64 << 20

// errEngineClosed is returned by writes to an engine that has closed.
var errEngineClosed = errors.New("client: connection closed")

// engineConfig is what an engine needs to connect, derived from Options.
type engineConfig struct {
	base       *url.URL // http(s)://host/path?query
	header     http.Header
	transports []string
	http       *http.Client
	tls        *tls.Config
	timeout    time.Duration // handshake, upgrade probe, one write
	queueSize  int
	logger     *slog.Logger
}

func (c *engineConfig) allows(transport string) bool { return slices.Contains(c.transports, transport) }

// handshake is the data of the open packet.
type handshake struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int64    `json:"pingInterval"` // ms
	PingTimeout  int64    `json:"pingTimeout"`  // ms
	MaxPayload   int      `json:"maxPayload"`
}

// receiver gets what an engine receives. onMessage calls do not overlap.
// Neither may wait for the engine's goroutines, which call them.
type receiver interface {
	onMessage(e *engine, data []byte, binary bool)
	onClose(e *engine, reason string, err error)
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

// engine is one Engine.IO session: its transport (upgraded from polling to
// WebSocket when it can be), a write queue drained by one writer goroutine,
// and the heartbeat. It knows nothing of Socket.IO.
type engine struct {
	cfg  *engineConfig
	recv receiver
	hs   handshake

	ctx    context.Context // ends with the engine: cancels requests and dials
	cancel context.CancelFunc
	done   chan struct{} // closed once the engine is closed
	wg     sync.WaitGroup
	recvMu sync.Mutex // serializes delivery, whichever transport reads

	mu        sync.Mutex
	tr        transport
	probe     transport // a WebSocket being upgraded to
	queue     []packet.Packet
	writing   bool // the writer has a batch in flight
	paused    bool // an upgrade holds the writer
	closing   bool // close was called: no more writes are taken
	closed    bool
	kick      chan struct{}
	changed   chan struct{} // closed and renewed when the write state changes
	pingTimer *time.Timer
}

func newEngine(cfg *engineConfig, recv receiver) *engine {
	ctx, cancel := context.WithCancel(context.Background())
	return &engine{cfg: cfg, recv: recv, ctx: ctx, cancel: cancel,
		done: make(chan struct{}), kick: make(chan struct{}, 1)}
}

// dialEngine opens an engine with the first configured transport. On
// failure nothing of it is left running.
func dialEngine(ctx context.Context, cfg *engineConfig, recv receiver) (*engine, error) {
	e := newEngine(cfg, recv)
	var err error
	if cfg.transports[0] == TransportWebSocket {
		err = e.openWebSocket(ctx)
	} else {
		err = e.openPolling(ctx)
	}
	if err != nil {
		e.abort()
		return nil, err
	}
	return e, nil
}

// goTracked runs f on a goroutine that the engine waits for.
func (e *engine) goTracked(f func()) {
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		f()
	}()
}

// start records the handshake and starts the writer and the heartbeat; the
// transport's reads are running or start right after.
func (e *engine) start(tr transport, open []byte) error {
	if err := json.Unmarshal(open, &e.hs); err != nil || e.hs.SID == "" {
		return fmt.Errorf("client: bad handshake %q", open)
	}
	if e.hs.PingInterval <= 0 || e.hs.PingTimeout <= 0 {
		return fmt.Errorf("client: bad handshake %q: no heartbeat", open)
	}
	e.mu.Lock()
	e.tr = tr
	e.pingTimer = time.AfterFunc(e.pingDeadline(), e.onPingTimeout)
	e.mu.Unlock()
	e.goTracked(e.writeLoop)
	e.cfg.logger.Debug("client: engine open", "sid", e.hs.SID, "transport", tr.name())
	return nil
}

// id returns the Engine.IO session id.
func (e *engine) id() string { return e.hs.SID }

// transportName returns the name of the current transport.
func (e *engine) transportName() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.tr == nil {
		return ""
	}
	return e.tr.name()
}

// pingDeadline is how long the engine waits for the next ping.
func (e *engine) pingDeadline() time.Duration {
	return time.Duration(e.hs.PingInterval+e.hs.PingTimeout) * time.Millisecond
}

func (e *engine) onPingTimeout() { e.terminate(ReasonPingTimeout, nil) }

// onPacket handles a packet the current transport read. It returns false
// when the transport should stop reading.
func (e *engine) onPacket(p packet.Packet) bool {
	switch p.Type {
	case packet.Message:
		e.recvMu.Lock()
		e.recv.onMessage(e, p.Data, p.Binary)
		e.recvMu.Unlock()
	case packet.Ping:
		e.mu.Lock()
		if e.pingTimer != nil {
			e.pingTimer.Reset(e.pingDeadline())
		}
		e.mu.Unlock()
		_ = e.enqueue(false, packet.Packet{Type: packet.Pong, Data: bytes.Clone(p.Data)})
	case packet.Close:
		e.terminate(ReasonTransportClose, nil)
		return false
	}
	// open, pong, upgrade and noop mean nothing to a client now
	return true
}

// transportEnded is called by a transport whose reads ended; only the
// current transport's end closes the engine.
func (e *engine) transportEnded(t transport, reason string, err error) {
	e.mu.Lock()
	current := e.tr == t
	e.mu.Unlock()
	if current {
		e.terminate(reason, err)
	}
}

// transportFailed is transportEnded for a read that failed: a parse error
// or a transport error.
func (e *engine) transportFailed(t transport, err error) {
	reason := ReasonTransportError
	if errors.Is(err, packet.ErrInvalidPacket) {
		reason = ReasonParseError
	}
	e.transportEnded(t, reason, err)
}

// write queues packets for the server. It fails when the engine is closing
// or the queue is full.
func (e *engine) write(pkts ...packet.Packet) error { return e.enqueue(true, pkts...) }

// enqueue queues packets; limited writes respect the queue bound and the
// closing state, the engine's own (pongs) do not.
func (e *engine) enqueue(limited bool, pkts ...packet.Packet) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case e.closed, limited && e.closing:
		return errEngineClosed
	case limited && len(e.queue)+len(pkts) > e.cfg.queueSize:
		return ErrBufferFull
	}
	e.queue = append(e.queue, pkts...)
	select {
	case e.kick <- struct{}{}:
	default:
	}
	return nil
}

// writable reports whether a packet written now would leave at once: what
// volatile emits need.
func (e *engine) writable() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return !e.closed && !e.closing && !e.paused && len(e.queue) == 0
}

// notifyLocked wakes the goroutines waiting in waitFor; e.mu is held.
func (e *engine) notifyLocked() {
	if e.changed != nil {
		close(e.changed)
		e.changed = nil
	}
}

// waitFor waits until cond, called with e.mu held, is true, the engine
// closes (errEngineClosed) or ctx ends.
func (e *engine) waitFor(ctx context.Context, cond func() bool) error {
	for {
		e.mu.Lock()
		if cond() {
			e.mu.Unlock()
			return nil
		}
		if e.closed {
			e.mu.Unlock()
			return errEngineClosed
		}
		if e.changed == nil {
			e.changed = make(chan struct{})
		}
		ch := e.changed
		e.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// writeLoop sends the queue, a batch at a time, through the current
// transport.
func (e *engine) writeLoop() {
	for {
		tr, batch, ok := e.nextBatch()
		if !ok {
			return
		}
		ctx, cancel := context.WithTimeout(e.ctx, e.cfg.timeout)
		err := tr.write(ctx, batch)
		cancel()
		e.mu.Lock()
		e.writing = false
		e.notifyLocked()
		e.mu.Unlock()
		if err != nil {
			e.terminate(ReasonTransportError, err)
			return
		}
	}
}

// nextBatch waits for packets to send and takes them: for polling as many
// as fit in the server's maxPayload, for WebSocket all.
func (e *engine) nextBatch() (transport, []packet.Packet, bool) {
	for {
		e.mu.Lock()
		if e.closed {
			e.mu.Unlock()
			return nil, nil, false
		}
		if !e.paused && len(e.queue) > 0 {
			n := len(e.queue)
			if e.tr.name() == TransportPolling {
				n = payloadCount(e.queue, e.hs.MaxPayload)
			}
			batch := slices.Clone(e.queue[:n])
			clear(e.queue[:n])
			e.queue = e.queue[n:]
			if len(e.queue) == 0 {
				e.queue = nil
			}
			e.writing = true
			tr := e.tr
			e.mu.Unlock()
			return tr, batch, true
		}
		e.mu.Unlock()
		select {
		case <-e.kick:
		case <-e.done:
		}
	}
}

// payloadCount returns how many packets from the head of q fit in one
// polling payload of at most maxPayload bytes (at least one).
func payloadCount(q []packet.Packet, maxPayload int) int {
	if maxPayload <= 0 {
		return len(q)
	}
	size := 0
	for i, p := range q {
		n := 1 + len(p.Data) // type digit or 'b', then data
		if p.Binary {
			n = 1 + (len(p.Data)+2)/3*4
		}
		if i > 0 {
			n++ // separator
		}
		if size += n; size > maxPayload && i > 0 {
			return i
		}
	}
	return len(q)
}

// close ends the engine gracefully: what is queued is written (until ctx
// ends), the server is told, and the transport is closed.
func (e *engine) close(ctx context.Context) {
	e.mu.Lock()
	if !e.closed && !e.closing {
		e.closing = true
		if e.tr != nil && e.tr.name() == TransportPolling {
			// Over WebSocket the close frame says it; a polling server
			// needs the packet.
			e.queue = append(e.queue, packet.Packet{Type: packet.Close})
			select {
			case e.kick <- struct{}{}:
			default:
			}
		}
	}
	e.mu.Unlock()
	_ = e.waitFor(ctx, func() bool { return len(e.queue) == 0 && !e.writing })
	e.terminate(ReasonForcedClose, nil)
}

// terminate closes the engine at once, for reason, and tells the receiver.
// The first call wins; later ones do nothing.
func (e *engine) terminate(reason string, err error) {
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
	e.cfg.logger.Debug("client: engine closed", "sid", e.hs.SID, "reason", reason, "err", err)
	e.recv.onClose(e, reason, err)
}

// abort ends an engine whose opening failed, without telling the receiver,
// and waits for its goroutines. The opener closes its transport.
func (e *engine) abort() {
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
	e.cancel()
	e.wait()
}

// wait waits for every goroutine of the engine to end. It must not be
// called from one of them (a receiver callback).
func (e *engine) wait() { e.wg.Wait() }
