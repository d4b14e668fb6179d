package engineio

import (
	"context"
	"slices"

	"github.com/duplexio/duplex/engineio/packet"
)

// Write queues messages for the server; it does not wait for them to be
// written. The messages of one call are queued together or not at all
// (a Socket.IO packet and its binary attachments). It fails with
// ErrClosed once the connection is closing, with ErrQueueFull when
// Config.WriteQueueSize messages already wait.
func (e *Conn) Write(msgs ...Message) error { return e.enqueue(true, msgs) }

// WriteUrgent is Write without the queue bound, and taken while Close
// flushes the queue: for the few messages the layer above must get out,
// bounded by that layer (a disconnection notice, a buffer of its own).
func (e *Conn) WriteUrgent(msgs ...Message) error { return e.enqueue(false, msgs) }

// enqueue queues messages; limited writes respect the queue bound and the
// closing state.
func (e *Conn) enqueue(limited bool, msgs []Message) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case e.closed, limited && e.closing:
		return ErrClosed
	case limited && len(e.queue)+len(msgs) > e.cfg.queueSize:
		return ErrQueueFull
	}
	for _, m := range msgs {
		e.queue = append(e.queue, packet.Packet{Type: packet.Message, Data: m.Data, Binary: m.Binary})
	}
	e.kickLocked()
	return nil
}

// pong queues the answer to a ping, whatever the queue holds.
func (e *Conn) pong(data []byte) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.closed {
		e.queue = append(e.queue, packet.Packet{Type: packet.Pong, Data: data})
		e.kickLocked()
	}
}

// kickLocked wakes the writer; e.mu is held.
func (e *Conn) kickLocked() {
	select {
	case e.kick <- struct{}{}:
	default:
	}
}

// Writable reports whether a message written now would leave at once, with
// nothing queued before it: what volatile emits need.
func (e *Conn) Writable() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return !e.closed && !e.closing && !e.paused && len(e.queue) == 0
}

// notifyLocked wakes the goroutines waiting in waitFor; e.mu is held.
func (e *Conn) notifyLocked() {
	if e.changed != nil {
		close(e.changed)
		e.changed = nil
	}
}

// waitFor waits until cond, called with e.mu held, is true, the engine
// closes (ErrClosed) or ctx ends.
func (e *Conn) waitFor(ctx context.Context, cond func() bool) error {
	for {
		e.mu.Lock()
		if cond() {
			e.mu.Unlock()
			return nil
		}
		if e.closed {
			e.mu.Unlock()
			return ErrClosed
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
func (e *Conn) writeLoop() {
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
func (e *Conn) nextBatch() (transport, []packet.Packet, bool) {
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
