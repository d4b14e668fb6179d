package socketio

import (
	"errors"
	"fmt"
	"reflect"
	"sync/atomic"
	"time"

	"github.com/duplexio/duplex/internal/emitter"
	"github.com/duplexio/duplex/internal/typedfunc"
	"github.com/duplexio/duplex/parser"
)

// ErrAckCallback is returned (wrapped, with the reason) by an Emit given a
// trailing function that is not an acknowledgement callback it can call,
// and by EmitWithAck given a trailing function at all.
var ErrAckCallback = errors.New("socketio: invalid ack callback")

// ackCallback splits the acknowledgement callback off an emit's arguments.
// The rule is the same for every Emit: a trailing argument of function type
// is the callback (a function cannot be sent as JSON), and each emitter
// checks its type at the call.
func ackCallback(args []any) (fn any, rest []any) {
	n := len(args)
	if n == 0 || args[n-1] == nil || reflect.TypeOf(args[n-1]).Kind() != reflect.Func {
		return nil, args
	}
	return args[n-1], args[:n-1]
}

// noAckCallback refuses a trailing function given to EmitWithAck, which
// returns the acknowledgement instead.
func noAckCallback(method, event string, args []any) error {
	if fn, _ := ackCallback(args); fn != nil {
		return fmt.Errorf("%w: %s(%q) returns the acknowledgement; use Emit for a callback, not %T", ErrAckCallback, method, event, fn)
	}
	return nil
}

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

// ackTable holds the acknowledgements a socket waits for, by ack id
// (internal/emitter), and tells the connection of the waits that may
// block someone (flow.go).
type ackTable struct {
	emitter.Acks[*ackWaiter]
	conn *conn
	ns   *Namespace // for its Observer
}

// pending tells the Observer that n waits began (n > 0) or ended.
func (t *ackTable) pending(n int) {
	if o := t.ns.server.opts.Observer; o != nil {
		o.AcksPending(t.ns.observedName(), n)
	}
}

// blocks reports whether someone may be blocked waiting for w: an
// EmitWithAck or a broadcast's. The connection keeps reading the client
// meanwhile (see flow.go); a callback runs whenever its ack comes.
func (w *ackWaiter) blocks() bool { return w.ch != nil || w.packet != nil }

func (t *ackTable) add(id uint64, w *ackWaiter) {
	t.Add(id, w)
	t.pending(1)
	if w.blocks() {
		t.conn.ackWaits(1)
	}
}

// take removes and returns the waiter for id, nil when there is none (an
// unknown id, or one already answered or timed out).
func (t *ackTable) take(id uint64) *ackWaiter {
	w, _ := t.Take(id)
	if w == nil {
		return nil
	}
	t.pending(-1)
	if w.blocks() {
		t.conn.ackWaits(-1)
	}
	return w
}

// failAll ends every wait because the socket is gone.
func (t *ackTable) failAll(s *Socket) {
	all := t.TakeAll()
	if len(all) > 0 {
		t.pending(-len(all))
	}
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
		args, err := s.ns.server.ackArgs(p)
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

// ackReply answers the client's acknowledgement request id; only its
// first send goes out.
type ackReply struct {
	s    *Socket
	id   uint64
	sent atomic.Bool
}

func (s *Socket) newAckReply(id uint64) *ackReply { return &ackReply{s: s, id: id} }

// send is the AckFunc given to the handlers.
func (r *ackReply) send(args ...any) {
	if r.sent.Swap(true) {
		return
	}
	s := r.s
	p := &parser.Packet{Type: parser.Ack, Namespace: s.ns.name, ID: r.id, HasID: true}
	text, err := p.EncodeValues(args)
	if err != nil {
		s.logger().Error("socketio: cannot encode ack", "id", s.id, "err", err)
		return
	}
	_ = s.writeText(p, text, false)
}

// argErrorReply is the acknowledgement the server sends to a client whose
// event could not be handled because its arguments did not fit the
// handler: an object with an "error" member, which a JavaScript client
// tests for (`if (res && res.error)`), describing the argument in the
// client's terms:
//
//	{"error": "invalid argument 1: want number"}
//	{"error": "missing argument 0: want string"}
func argErrorReply(e *ArgError) map[string]any {
	return map[string]any{"error": typedfunc.PeerMessage((*typedfunc.ArgError)(e))}
}
