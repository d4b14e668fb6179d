package socketio

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"

	"github.com/duplexio/duplex/internal/emitter"
	"github.com/duplexio/duplex/internal/typedfunc"
	"github.com/duplexio/duplex/parser"
)

// listeners are a socket's registered handlers, guarded by Socket.mu:
// those shared with the client's sockets (internal/emitter), and the
// server's own.
type listeners struct {
	reg         emitter.Listeners[Args]
	anyOut      []func(event string, args Args)
	hasAnyOut   atomic.Bool // len(anyOut) > 0, read without the lock on every send
	middlewares []func(event string, args Args) error
}

// On registers a handler for event. fn is a function whose parameters are
// decoded from the event's arguments, in order: any type encoding/json
// decodes, []byte for binary, json.RawMessage, Args for the rest of the
// arguments, and last an AckFunc that answers the client's
// acknowledgement request. fn may return an error, which is logged and
// passed to the OnError listeners. Object keys match struct fields
// exactly (see Options.CaseInsensitiveKeys); a missing argument is nil
// for a pointer, interface, slice or map parameter, an error otherwise.
//
// Arguments that do not fit skip fn: see Options.OnArgError. An error
// parameter after the data parameters (before the AckFunc) makes fn run
// anyway, with the *ArgError in it and zero values from the failing
// parameter on, to answer the client itself.
//
//	s.On("move", func(x, y int) {...})
//	s.On("save", func(doc Document, ack socketio.AckFunc) { ack(store(doc)) })
//	s.On("save", func(doc Document, err error, ack socketio.AckFunc) {...})
//
// "disconnecting" and "disconnect" handlers get the reason and, as a
// second string argument, the error behind it ("" when there is none). On panics if fn has a shape it
// cannot call, which is a programming error found at start-up.
func (s *Socket) On(event string, fn any) {
	s.addListener(event, fn, false)
}

// Once is On for one call only.
func (s *Socket) Once(event string, fn any) { s.addListener(event, fn, true) }

// Off removes every handler of event.
func (s *Socket) Off(event string) {
	s.mu.Lock()
	s.reg.Remove(event)
	s.mu.Unlock()
}

// OnDisconnect is a typed shortcut for On("disconnect", ...).
func (s *Socket) OnDisconnect(fn func(reason string)) { s.On("disconnect", fn) }

// OnDisconnecting is a typed shortcut for On("disconnecting", ...): fn runs
// while the socket is still in its rooms.
func (s *Socket) OnDisconnecting(fn func(reason string)) { s.On("disconnecting", fn) }

func (s *Socket) addListener(event string, fn any, once bool) {
	h, err := newEventHandler(fn, false)
	if err != nil {
		panic(fmt.Sprintf("socketio: On(%q): %v", event, err))
	}
	s.mu.Lock()
	s.reg.Add(event, h, once)
	s.mu.Unlock()
}

// OnAny registers a catch-all listener, called for every event before its
// own handlers.
func (s *Socket) OnAny(fn func(event string, args Args)) {
	s.mu.Lock()
	s.reg.AddAny(fn)
	s.mu.Unlock()
}

// OffAny removes the catch-all listeners.
func (s *Socket) OffAny() {
	s.mu.Lock()
	s.reg.RemoveAny()
	s.mu.Unlock()
}

// OnAnyOutgoing registers a listener called for every event sent to the
// client, broadcasts included.
func (s *Socket) OnAnyOutgoing(fn func(event string, args Args)) {
	s.mu.Lock()
	s.anyOut = append(s.anyOut, fn)
	s.hasAnyOut.Store(true)
	s.mu.Unlock()
}

// OffAnyOutgoing removes the outgoing catch-all listeners.
func (s *Socket) OffAnyOutgoing() {
	s.mu.Lock()
	s.anyOut = nil
	s.hasAnyOut.Store(false)
	s.mu.Unlock()
}

// Use adds a packet middleware, run for each incoming event before any
// listener. A non-nil error drops the event and goes to the OnError
// listeners.
func (s *Socket) Use(fn func(event string, args Args) error) {
	s.mu.Lock()
	s.middlewares = append(s.middlewares, fn)
	s.mu.Unlock()
}

// OnError registers a listener for errors: packet middleware refusals,
// arguments that do not fit a handler, errors returned by handlers.
func (s *Socket) OnError(fn func(error)) {
	s.mu.Lock()
	s.reg.AddError(fn)
	s.mu.Unlock()
}

// onPacket handles a packet of this socket's namespace, on the read path.
func (s *Socket) onPacket(p *parser.Packet) {
	switch p.Type {
	case parser.Event, parser.BinaryEvent:
		if s.ns.server.isClosing() {
			return // shutting down: only what already runs may finish
		}
		if o := s.ns.server.opts.Observer; o != nil {
			o.EventReceived(s.ns.observedName())
		}
		s.dispatchPacket(p)
	case parser.Ack, parser.BinaryAck:
		s.onAck(p)
	case parser.Disconnect:
		s.onClose(ReasonClientDisconnect, nil)
	}
}

// onEvent runs the middleware, the catch-all listeners and the handlers of
// one event.
func (s *Socket) onEvent(p *parser.Packet) {
	event, args, err := s.ns.server.splitEvent(p)
	if err != nil {
		s.emitError(err)
		return
	}
	if s.closing.Load() {
		return
	}
	s.mu.Lock()
	mws := s.middlewares
	s.mu.Unlock()
	for _, mw := range mws {
		if err := s.runPacketMiddleware(mw, event, args); err != nil {
			s.emitError(err)
			return
		}
	}
	s.mu.Lock()
	anys, ls := s.reg.Any(), s.reg.Take(event)
	s.mu.Unlock()
	var reply *ackReply
	var ack AckFunc
	if p.HasID {
		reply = s.newAckReply(p.ID)
		ack = reply.send
	}
	for _, fn := range anys {
		s.protect(PanicEvent, event, func() { fn(event, args) })
	}
	var argErr *ArgError
	for _, l := range ls {
		var err error
		s.protect(PanicEvent, event, func() { err = l.H.Call(event, args.a, typedfunc.AckFunc(ack)) })
		switch {
		case err == nil:
		case errors.As(err, &argErr):
			s.emitError(err)
		default:
			s.logger().Warn("socketio: handler error", "event", event, "nsp", s.ns.name, "id", s.id, "err", err)
			s.emitError(err)
		}
	}
	if argErr != nil {
		s.onArgError(argErr, reply)
	}
}

// onArgError reports arguments that did not fit a handler: to the
// OnArgError hook, or else to the log once per socket (at debug level: a
// client decides what it sends, and must not be able to fill the log),
// and then to the client if it waits for an acknowledgement that no
// handler gave, so that it learns at once instead of at its timeout.
func (s *Socket) onArgError(ae *ArgError, reply *ackReply) {
	if hook := s.ns.server.opts.OnArgError; hook != nil {
		ack := AckFunc(noAck)
		if reply != nil {
			ack = reply.send
		}
		s.protect(PanicEvent, ae.Event+" (OnArgError)", func() { hook(s, ae, ack) })
	} else if !s.argErrLogged.Swap(true) {
		s.logger().Debug("socketio: arguments do not fit the handler", "event", ae.Event, "nsp", s.ns.name, "id", s.id, "err", ae)
	}
	if reply != nil {
		reply.send(argErrorReply(ae))
	}
}

func noAck(...any) {}

// errMiddlewarePanic refuses an event whose packet middleware panicked: a
// crashed check must not let the event through.
var errMiddlewarePanic = errors.New("socketio: packet middleware panicked")

func (s *Socket) runPacketMiddleware(mw func(string, Args) error, event string, args Args) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.logPanic(PanicMiddleware, event+" (middleware)", r)
			err = errMiddlewarePanic
		}
	}()
	return mw(event, args)
}

// emitReserved calls the handlers of a reserved event (disconnect,
// disconnecting) with the reason and its description.
func (s *Socket) emitReserved(event, reason string, cause error) {
	s.mu.Lock()
	ls := s.reg.Take(event)
	s.mu.Unlock()
	if len(ls) == 0 {
		return
	}
	desc := ""
	if cause != nil {
		desc = cause.Error()
	}
	r, _ := json.Marshal(reason)
	d, _ := json.Marshal(desc)
	// Both arguments always: a func(reason, desc string) listener must not
	// fail on a missing description.
	args := s.ns.server.newArgs([]json.RawMessage{r, d}, nil)
	for _, l := range ls {
		s.protect(PanicDisconnect, event, func() { _ = l.H.Call(event, args.a, nil) })
	}
}

func (s *Socket) emitError(err error) {
	s.mu.Lock()
	fns := s.reg.Errors()
	s.mu.Unlock()
	for _, fn := range fns {
		s.protect(PanicError, "error", func() { fn(err) })
	}
}

// callAck runs an emit's acknowledgement callback on the dispatcher.
func (s *Socket) callAck(h *eventHandler, event string, withErr bool, ackErr error, args Args) {
	s.protect(PanicAck, event+" (ack)", func() {
		if err := emitter.CallAck(h, event, withErr, ackErr, args.a); err != nil {
			s.emitError(err)
		}
	})
}

// splitEvent returns the event name and arguments of an EVENT packet. The
// arguments are sub-slices of p.Data, which the decoder made for this
// packet alone.
func splitEvent(p *parser.Packet) (string, Args, error) {
	// Room for the name and one argument, the common event, in one
	// allocation of 48 bytes; appending to nil took one per element.
	raw, err := parser.SplitArray(p.Data, make([]json.RawMessage, 0, 2))
	if err != nil || len(raw) == 0 {
		return "", Args{}, fmt.Errorf("socketio: invalid event payload: %w", parser.ErrInvalidPacket)
	}
	event, err := parser.EventName(raw[0])
	if err != nil {
		return "", Args{}, err
	}
	return event, Args{typedfunc.NewArgs(raw[1:], p.Attachments)}, nil
}

// splitEvent is splitEvent with the server's rules for object keys.
func (srv *Server) splitEvent(p *parser.Packet) (string, Args, error) {
	event, args, err := splitEvent(p)
	if srv.opts.CaseInsensitiveKeys {
		args.a = typedfunc.FoldKeys(args.a)
	}
	return event, args, err
}

// ackArgs returns the arguments of an ACK packet, with the server's rules
// for object keys.
func (srv *Server) ackArgs(p *parser.Packet) (Args, error) {
	raw, err := parser.SplitArray(p.Data, nil)
	if err != nil {
		return Args{}, err
	}
	return srv.newArgs(raw, p.Attachments), nil
}

func (s *Socket) logger() *slog.Logger { return s.ns.server.opts.Logger }
