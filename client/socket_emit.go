package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/duplexio/duplex/internal/typedfunc"
	"github.com/duplexio/duplex/parser"

	"github.com/duplexio/duplex/client/engineio"
)

// Emitter sends events with options: a timeout for the acknowledgement,
// volatility. Socket.Timeout and Socket.Volatile return one; its methods
// return new Emitters, so one can be kept and reused.
type Emitter struct {
	s        *Socket
	timeout  time.Duration
	volatile bool
}

// Emit sends an event to the server. A trailing function argument is an
// acknowledgement callback, typed like an On handler; with a Timeout its
// first parameter must be an error, which is non-nil when the server did
// not answer in time or the connection was lost:
//
//	s.Emit("hello", "world")
//	s.Timeout(5*time.Second).Emit("ask", q, func(err error, answer string) {...})
//
// []byte arguments, also inside []any and map[string]any, are sent as
// binary. While the socket is not connected, the event is buffered and
// sent once it is (see Options.SendBuffer); after Close, or once the
// server disconnected it, Emit fails with ErrDisconnected.
func (s *Socket) Emit(event string, args ...any) error { return (&Emitter{s: s}).Emit(event, args...) }

// EmitWithAck sends an event and waits for the server's acknowledgement,
// until ctx ends.
func (s *Socket) EmitWithAck(ctx context.Context, event string, args ...any) (Args, error) {
	return (&Emitter{s: s}).EmitWithAck(ctx, event, args...)
}

// Timeout returns an Emitter whose acknowledgements time out after d.
func (s *Socket) Timeout(d time.Duration) *Emitter { return &Emitter{s: s, timeout: d} }

// Volatile returns an Emitter whose events are dropped, without error,
// when they cannot be sent at once: while not connected, or while the
// connection has a backlog.
func (s *Socket) Volatile() *Emitter { return &Emitter{s: s, volatile: true} }

// Timeout returns a copy of e with the acknowledgement timeout d.
func (e *Emitter) Timeout(d time.Duration) *Emitter { c := *e; c.timeout = d; return &c }

// Volatile returns a volatile copy of e.
func (e *Emitter) Volatile() *Emitter { c := *e; c.volatile = true; return &c }

// Emit is Socket.Emit with e's options.
func (e *Emitter) Emit(event string, args ...any) error {
	var w *ackWaiter
	if n := len(args); n > 0 && args[n-1] != nil && reflect.TypeOf(args[n-1]).Kind() == reflect.Func {
		h, err := typedfunc.New(args[n-1], e.timeout > 0)
		if err != nil {
			return fmt.Errorf("client: ack callback: %w", err)
		}
		w = &ackWaiter{handler: h, withErr: e.timeout > 0, event: event}
		args = args[:n-1]
	}
	p, err := e.s.eventPacket(event, args)
	if err != nil {
		return err
	}
	return e.s.send(p, w, e.volatile, e.timeout)
}

// EmitWithAck sends an event and waits for the acknowledgement, until ctx
// ends or e's timeout passes. The error wraps ErrAckTimeout then, and is
// ErrDisconnected when the connection is lost first.
func (e *Emitter) EmitWithAck(ctx context.Context, event string, args ...any) (Args, error) {
	if e.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.timeout)
		defer cancel()
	}
	p, err := e.s.eventPacket(event, args)
	if err != nil {
		return Args{}, err
	}
	w := &ackWaiter{ch: make(chan ackResult, 1)}
	if err := e.s.send(p, w, e.volatile, 0); err != nil {
		return Args{}, err
	}
	select {
	case r := <-w.ch:
		return r.args, r.err
	case <-ctx.Done():
		e.s.forgetAck(p.ID)
		return Args{}, fmt.Errorf("%w: %w", ErrAckTimeout, ctx.Err())
	}
}

// eventPacket builds the EVENT packet of an emit. Binary arguments become
// attachments, copied: the caller may reuse its buffers at once, even if
// the packet waits in the send buffer.
func (s *Socket) eventPacket(event string, args []any) (*parser.Packet, error) {
	if reservedEvents[event] {
		return nil, fmt.Errorf("%w: %q", ErrReservedEvent, event)
	}
	values := make([]any, 0, len(args)+1)
	values = append(values, event)
	values = append(values, args...)
	data, att, err := parser.MarshalArray(values)
	if err != nil {
		return nil, fmt.Errorf("client: cannot encode %q: %w", event, err)
	}
	return &parser.Packet{Type: parser.Event, Namespace: s.nsp, Data: data, Attachments: cloneAll(att)}, nil
}

func cloneAll(att [][]byte) [][]byte {
	for i, a := range att {
		att[i] = bytes.Clone(a)
	}
	return att
}

// send writes p, or buffers it while the socket is not connected. w, when
// set, waits for the acknowledgement, with a timer when timeout is set.
func (s *Socket) send(p *parser.Packet, w *ackWaiter, volatile bool, timeout time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == stateClosed {
		return ErrDisconnected
	}
	if w != nil {
		s.ackID++
		p.ID, p.HasID = s.ackID-1, true
	}
	if s.state == stateConnected {
		err := s.writeLocked(p, w, volatile, timeout)
		if !errors.Is(err, engineio.ErrClosed) {
			return err
		}
		// The connection is going: the socket learns it soon, buffer.
	}
	return s.bufferLocked(p, w, volatile, timeout)
}

// writeLocked writes p over the socket's connection.
func (s *Socket) writeLocked(p *parser.Packet, w *ackWaiter, volatile bool, timeout time.Duration) error {
	if volatile && !s.eng.Writable() {
		s.dropLocked(p, w, timeout)
		return nil
	}
	if w != nil {
		w.sent.Store(true)
		s.registerAckLocked(p.ID, w, timeout)
	}
	err := s.eng.Write(s.m.encode(p)...)
	if errors.Is(err, engineio.ErrQueueFull) {
		err = ErrBufferFull
	}
	if err != nil && w != nil {
		s.acks.take(p.ID)
		if w.timer != nil {
			w.timer.Stop()
		}
		w.sent.Store(false)
		w.timer = nil
	}
	return err
}

// bufferLocked keeps p for the next connection.
func (s *Socket) bufferLocked(p *parser.Packet, w *ackWaiter, volatile bool, timeout time.Duration) error {
	switch {
	case volatile:
		s.dropLocked(p, w, timeout)
		return nil
	case s.m.opts.SendBuffer < 0:
		return ErrDisconnected
	case len(s.sendBuf) >= s.m.opts.SendBuffer:
		return ErrBufferFull
	}
	if w != nil {
		s.registerAckLocked(p.ID, w, timeout)
	}
	s.sendBuf = append(s.sendBuf, &outPacket{p: p, w: w})
	return nil
}

// dropLocked drops a volatile packet. A callback with a timeout still
// gets its timeout error, as in socket.io-client; EmitWithAck's waiter
// stays in the table for its context to end.
func (s *Socket) dropLocked(p *parser.Packet, w *ackWaiter, timeout time.Duration) {
	if w != nil && (timeout > 0 || w.ch != nil) {
		s.registerAckLocked(p.ID, w, timeout)
	}
}
