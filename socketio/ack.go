package socketio

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/duplexio/duplex/parser"
)

// ackWaiter is one acknowledgement the server waits for. Exactly one of
// ch, handler and packet is set, by EmitWithAck, Emit with a callback and a
// broadcast with acks respectively.
type ackWaiter struct {
	ch      chan *parser.Packet
	handler *eventHandler
	withErr bool // handler takes an error first
	event   string
	timer   *time.Timer
	packet  func(*parser.Packet)
}

// ackTable holds the acknowledgements a socket waits for, by ack id.
type ackTable struct {
	mu   sync.Mutex
	m    map[uint64]*ackWaiter
	conn *conn // told of the waits that may block someone (flow.go)
}

// blocks reports whether someone may be blocked waiting for w: an
// EmitWithAck or a broadcast's. The connection keeps reading the client
// meanwhile (see flow.go); a callback runs whenever its ack comes.
func (w *ackWaiter) blocks() bool { return w.ch != nil || w.packet != nil }

func (t *ackTable) add(id uint64, w *ackWaiter) {
	t.mu.Lock()
	if t.m == nil {
		t.m = map[uint64]*ackWaiter{}
	}
	t.m[id] = w
	t.mu.Unlock()
	if w.blocks() {
		t.conn.ackWaits(1)
	}
}

// take removes and returns the waiter for id, nil when there is none (an
// unknown id, or one already answered or timed out).
func (t *ackTable) take(id uint64) *ackWaiter {
	t.mu.Lock()
	w := t.m[id]
	delete(t.m, id)
	t.mu.Unlock()
	if w != nil && w.blocks() {
		t.conn.ackWaits(-1)
	}
	return w
}

// failAll ends every wait because the socket is gone.
func (t *ackTable) failAll(s *Socket) {
	t.mu.Lock()
	all := t.m
	t.m = nil
	t.mu.Unlock()
	blocking := int32(0)
	for _, w := range all {
		if w.blocks() {
			blocking++
		}
	}
	if blocking > 0 {
		t.conn.ackWaits(-blocking)
	}
	for _, w := range all {
		if w.timer != nil {
			w.timer.Stop()
		}
		switch {
		case w.ch != nil:
			w.ch <- nil
		case w.packet != nil:
			w.packet(nil) // a broadcast stops waiting for this socket
		case w.handler != nil && w.withErr:
			h, event := w.handler, w.event
			s.dispatch(func() { s.callAck(h, event, true, ErrDisconnected, Args{}) })
		}
	}
}

// onAck delivers an ACK packet to its waiter. It runs on the connection's
// read path, never behind the socket's handlers, so that a handler blocked
// in EmitWithAck gets its answer.
func (s *Socket) onAck(p *parser.Packet) {
	w := s.acks.take(p.ID)
	if w == nil {
		return // unknown id: ignored, as Node does
	}
	if w.timer != nil {
		w.timer.Stop()
	}
	switch {
	case w.ch != nil:
		w.ch <- heapCopy(p)
	case w.packet != nil:
		w.packet(heapCopy(p))
	case w.handler != nil:
		args, err := ackArgs(p)
		if err != nil {
			return
		}
		s.dispatch(func() { s.callAck(w.handler, w.event, w.withErr, nil, args) })
	}
}

// heapCopy returns a copy of a packet that may be on the reader's stack,
// for a waiter that keeps it.
func heapCopy(p *parser.Packet) *parser.Packet {
	c := *p
	return &c
}

// ackFunc returns the callback a handler uses to answer the client's
// acknowledgement request id; only its first call sends.
func (s *Socket) ackFunc(id uint64) AckFunc {
	var sent atomic.Bool
	return func(args ...any) {
		if sent.Swap(true) {
			return
		}
		p := &parser.Packet{Type: parser.Ack, Namespace: s.ns.name, ID: id, HasID: true}
		text, err := p.EncodeValues(args)
		if err != nil {
			s.logger().Error("socketio: cannot encode ack", "id", s.id, "err", err)
			return
		}
		_ = s.writeText(p, text, false)
	}
}
