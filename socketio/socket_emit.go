package socketio

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/parser"
)

// Emitter sends events to one socket with options: a timeout for the
// acknowledgement, volatility, compression. Socket.Timeout, Volatile and
// Compress return one; its methods return new Emitters.
type Emitter struct {
	s        *Socket
	timeout  time.Duration
	volatile bool
	compress bool
}

// Emit sends an event to the client. A trailing function argument is an
// acknowledgement callback, typed like an On handler; with a Timeout its
// first parameter must be an error, which is non-nil when the client did
// not answer in time or disconnected. A function of another shape fails
// the call with ErrAckCallback:
//
//	s.Emit("hello", "world")
//	s.Timeout(5*time.Second).Emit("ask", q, func(err error, answer string) {...})
//
// []byte arguments, also inside []any and map[string]any, are sent as
// binary. Emit fails with ErrDisconnected once the socket is gone.
func (s *Socket) Emit(event string, args ...any) error { return (&Emitter{s: s}).Emit(event, args...) }

// EmitWithAck sends an event and waits for the client's acknowledgement,
// until ctx ends.
func (s *Socket) EmitWithAck(ctx context.Context, event string, args ...any) (Args, error) {
	return (&Emitter{s: s}).EmitWithAck(ctx, event, args...)
}

// Timeout returns an Emitter whose acknowledgements time out after d.
func (s *Socket) Timeout(d time.Duration) *Emitter { return &Emitter{s: s, timeout: d} }

// Volatile returns an Emitter whose events are dropped when the client is
// not ready to receive them.
func (s *Socket) Volatile() *Emitter { return &Emitter{s: s, volatile: true} }

// Compress returns an Emitter with the compress flag set to c.
func (s *Socket) Compress(c bool) *Emitter { return &Emitter{s: s, compress: c} }

// Timeout returns a copy of e with the acknowledgement timeout d.
func (e *Emitter) Timeout(d time.Duration) *Emitter { c := *e; c.timeout = d; return &c }

// Volatile returns a volatile copy of e.
func (e *Emitter) Volatile() *Emitter { c := *e; c.volatile = true; return &c }

// Compress returns a copy of e with the compress flag c.
func (e *Emitter) Compress(comp bool) *Emitter { c := *e; c.compress = comp; return &c }

// Emit is Socket.Emit with e's options.
func (e *Emitter) Emit(event string, args ...any) error {
	s := e.s
	if !s.Connected() {
		return ErrDisconnected
	}
	var cb *eventHandler
	if fn, rest := ackCallback(args); fn != nil {
		h, err := newEventHandler(fn, e.timeout > 0)
		if err != nil {
			return fmt.Errorf("%w: Emit(%q): %w", ErrAckCallback, event, err)
		}
		cb, args = h, rest
	}
	p, err := s.ns.eventPacket(event, args)
	if err != nil {
		return err
	}
	if cb != nil {
		e.expectAck(p, event, cb)
	} else if s.emitStored(p, e.volatile, e.compress) {
		return nil
	}
	return s.write(p, e.volatile)
}

// expectAck gives p an ack id and registers the callback, with its timer.
func (e *Emitter) expectAck(p *parser.Packet, event string, cb *eventHandler) {
	s := e.s
	p.ID, p.HasID = s.ns.nextAckID(), true
	w := &ackWaiter{handler: cb, event: event, withErr: e.timeout > 0}
	if e.timeout > 0 {
		id := p.ID
		w.timer = time.AfterFunc(e.timeout, func() {
			if s.acks.take(id) != nil {
				s.ns.ackTimedOut()
				s.dispatch(func() { s.callAck(cb, event, true, ErrAckTimeout, Args{}) })
			}
		})
	}
	s.acks.add(p.ID, w)
}

// EmitWithAck sends an event and waits for the acknowledgement, until ctx
// ends or e's timeout passes. The error wraps ErrAckTimeout on timeout and
// is ErrDisconnected when the socket goes first.
func (e *Emitter) EmitWithAck(ctx context.Context, event string, args ...any) (Args, error) {
	s := e.s
	if err := noAckCallback("EmitWithAck", event, args); err != nil {
		return Args{}, err
	}
	if !s.Connected() {
		return Args{}, ErrDisconnected
	}
	if e.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.timeout)
		defer cancel()
	}
	p, err := s.ns.eventPacket(event, args)
	if err != nil {
		return Args{}, err
	}
	p.ID, p.HasID = s.ns.nextAckID(), true
	ch := make(chan *parser.Packet, 1)
	s.acks.add(p.ID, &ackWaiter{ch: ch})
	if err := s.write(p, e.volatile); err != nil {
		s.acks.take(p.ID)
		return Args{}, err
	}
	select {
	case ap := <-ch:
		if ap == nil {
			return Args{}, ErrDisconnected
		}
		return s.ns.server.ackArgs(ap)
	case <-ctx.Done():
		s.acks.take(p.ID)
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			s.ns.ackTimedOut()
		}
		return Args{}, fmt.Errorf("%w: %w", ErrAckTimeout, ctx.Err())
	}
}

// write encodes p and sends it to the client (see engineio.Session.Write).
func (s *Socket) write(p *parser.Packet, volatile bool) error {
	if s.ns.server.opts.Parser != ParserJSON {
		return s.writeEncoded(p, s.ns.server.encode(p), volatile, true)
	}
	return s.writeText(p, textOf(p), volatile)
}

// writeText sends a packet encoded as text (AppendText) to this client,
// or in the server's other format when it has one. Without attachments,
// the one message stays on the stack.
func (s *Socket) writeText(p *parser.Packet, text []byte, volatile bool) error {
	if s.ns.server.opts.Parser != ParserJSON {
		return s.writeEncoded(p, s.ns.server.encode(p), volatile, true)
	}
	if len(p.Attachments) == 0 {
		msg := [1]engineio.Message{{Data: text}}
		return s.writeEncoded(p, msg[:], volatile, true)
	}
	return s.writeEncoded(p, messages(text, p.Attachments), volatile, true)
}

// writeEncoded sends an encoded packet, telling the outgoing catch-all
// listeners about events first. Broadcasts pass direct false: they leave
// the writing to each recipient's writer goroutine (engineio's Enqueue).
func (s *Socket) writeEncoded(p *parser.Packet, msgs []engineio.Message, volatile, direct bool) error {
	if len(msgs) == 0 { // see Server.encode
		return nil
	}
	if p.Type == parser.Event || p.Type == parser.BinaryEvent {
		s.notifyOutgoing(p)
		if o := s.ns.server.opts.Observer; o != nil && direct { // a broadcast counts in Deliver
			o.EventsSent(s.ns.observedName(), 1)
		}
	}
	switch {
	case volatile:
		s.conn.session.WriteVolatile(msgs...)
		return nil
	case direct:
		return s.conn.session.Write(msgs...)
	default:
		return s.conn.session.Enqueue(msgs...)
	}
}

func (s *Socket) notifyOutgoing(p *parser.Packet) {
	if !s.hasAnyOut.Load() { // the common case, per broadcast recipient: no lock
		return
	}
	s.mu.Lock()
	fns := s.anyOut
	s.mu.Unlock()
	if len(fns) == 0 {
		return
	}
	event, args, err := s.ns.server.splitEvent(p)
	if err != nil {
		return
	}
	for _, fn := range fns {
		s.protect(PanicOutgoing, "outgoing", func() { fn(event, args) })
	}
}

// Broadcasting from a socket: to others, never to itself.

// Broadcast targets every other socket of the namespace.
func (s *Socket) Broadcast() *BroadcastOperator { return s.ns.operator().Except(s.id) }

// To targets the sockets in rooms, except this one.
func (s *Socket) To(rooms ...string) *BroadcastOperator {
	return s.ns.operator().To(rooms...).Except(s.id)
}

// In is To.
func (s *Socket) In(rooms ...string) *BroadcastOperator { return s.To(rooms...) }

// Except targets every other socket not in rooms.
func (s *Socket) Except(rooms ...string) *BroadcastOperator {
	return s.ns.operator().Except(rooms...).Except(s.id)
}
