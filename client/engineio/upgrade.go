package engineio

import (
	"context"
	"errors"
	"fmt"

	"github.com/duplexio/duplex/engineio/packet"
)

// probeTransport is a transport a polling engine upgrades to.
type probeTransport interface {
	transport
	// writeText writes one packet in its text form ("2probe", "5")
	// outside the engine's writer.
	writeText(s string) error
	// awaitFirst returns the first packet read, before the handover.
	awaitFirst(ctx context.Context) (packet.Packet, error)
	// handOver sends what is read from now on to sink.
	handOver(sink func(packet.Packet) bool)
}

var (
	_ probeTransport = (*wsTransport)(nil)
	_ probeTransport = (*wtTransport)(nil)
)

// upgrade moves a polling engine to WebSocket or WebTransport (to), as
// engine.io-client does: open the transport for the session, send
// "2probe", wait for "3probe", stop polling and writing, send the upgrade
// packet "5" and carry on over the new transport. When anything fails the
// engine stays on polling.
func (e *Conn) upgrade(to string) {
	ctx, cancel := context.WithTimeout(e.ctx, e.cfg.timeout)
	defer cancel()
	var t probeTransport
	var err error
	if to == TransportWebTransport {
		t, err = dialWebTransport(ctx, e, e.hs.SID)
	} else {
		t, err = dialWebSocket(ctx, e, e.hs.SID)
	}
	if err != nil {
		e.cfg.logger.Debug("engineio: upgrade failed", "sid", e.hs.SID, "err", err)
		return
	}
	if !e.setProbe(t) {
		t.close()
		return
	}
	if err := e.probeAndSwitch(ctx, t); err != nil {
		e.cfg.logger.Debug("engineio: upgrade failed", "sid", e.hs.SID, "err", err)
		e.mu.Lock()
		e.probe = nil
		e.mu.Unlock()
		t.close()
	}
}

// setProbe records the WebSocket being probed, so that closing the engine
// closes it; false when the engine is already closing.
func (e *Conn) setProbe(t probeTransport) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed || e.closing {
		return false
	}
	e.probe = t
	return true
}

// probeAndSwitch runs the probe, then the switch. Polling stops (after
// the pending poll) as the probe is sent: a server answers the pending
// poll with a noop once the probe succeeded, and a poll sent after that
// noop could hang until the next ping.
func (e *Conn) probeAndSwitch(ctx context.Context, t probeTransport) error {
	e.mu.Lock()
	poll, _ := e.tr.(*pollingTransport)
	e.mu.Unlock()
	if poll == nil {
		return errors.New("not polling")
	}
	poll.stop()
	err := e.runProbe(ctx, t)
	if err == nil {
		e.mu.Lock()
		e.paused = true
		e.mu.Unlock()
		if err = e.quiesce(ctx, poll); err != nil {
			e.unpause()
		}
	}
	if err != nil {
		poll.resume()
		return err
	}
	return e.switchTo(t, poll)
}

// runProbe sends "2probe" and waits for "3probe".
func (e *Conn) runProbe(ctx context.Context, t probeTransport) error {
	if err := t.writeText("2probe"); err != nil {
		return err
	}
	p, err := t.awaitFirst(ctx)
	if err != nil {
		return err
	}
	if p.Type != packet.Pong || string(p.Data) != "probe" {
		return fmt.Errorf("probe answered %v %q", p.Type, p.Data)
	}
	return nil
}

// quiesce waits for the last poll to return and the last POST to end.
func (e *Conn) quiesce(ctx context.Context, poll *pollingTransport) error {
	if err := poll.wait(ctx); err != nil {
		return fmt.Errorf("waiting for the last poll: %w", err)
	}
	if err := e.waitFor(ctx, func() bool { return !e.writing }); err != nil {
		return fmt.Errorf("waiting for the last write: %w", err)
	}
	return nil
}

// switchTo makes t the engine's transport and tells the server.
func (e *Conn) switchTo(t probeTransport, poll *pollingTransport) error {
	e.mu.Lock()
	if e.closed || e.closing {
		e.mu.Unlock()
		e.unpause()
		poll.resume()
		return ErrClosed
	}
	e.tr, e.probe = t, nil
	e.mu.Unlock()
	// Handed over first: the server may write as soon as it reads "5".
	t.handOver(e.onPacket)
	if err := t.writeText("5"); err != nil {
		e.terminate(ReasonTransportError, err)
		return nil
	}
	e.unpause()
	e.cfg.logger.Debug("engineio: upgraded", "sid", e.hs.SID, "transport", t.name())
	return nil
}

// unpause lets the writer go on.
func (e *Conn) unpause() {
	e.mu.Lock()
	e.paused = false
	e.notifyLocked()
	e.mu.Unlock()
	select {
	case e.kick <- struct{}{}:
	default:
	}
}
