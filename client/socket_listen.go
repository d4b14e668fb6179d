package client

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/duplexio/duplex/internal/emitter"
	"github.com/duplexio/duplex/internal/typedfunc"
)

// listeners are a socket's registered handlers, guarded by Socket.mu:
// those shared with the server's sockets (internal/emitter), and the
// client's own connect_error ones.
type listeners struct {
	reg             emitter.Listeners[Args]
	connectErrorFns []func(error)
}

// On registers a handler for event. fn is a function whose parameters are
// decoded from the event's arguments, in order, as the server's handlers
// are: any type encoding/json decodes, []byte for binary, json.RawMessage,
// Args for the rest of the arguments, and last an AckFunc that answers the
// server's acknowledgement request. fn may return an error, which goes to
// the OnError listeners.
//
//	s.On("move", func(x, y int) {...})
//	s.On("question", func(q string, ack client.AckFunc) { ack(answer(q)) })
//
// The reserved events have handlers too: "connect" gets no argument,
// "disconnect" the reason and, as a second string, the error behind it,
// "connect_error" the message and the data of the error. On panics if fn
// has a shape it cannot call, which is a programming error found at
// start-up.
func (s *Socket) On(event string, fn any) { s.addListener(event, fn, false) }

// Once is On for one call only.
func (s *Socket) Once(event string, fn any) { s.addListener(event, fn, true) }

// Off removes every handler of event.
func (s *Socket) Off(event string) {
	s.mu.Lock()
	s.reg.Remove(event)
	s.mu.Unlock()
}

// OnConnect registers fn for every connection and reconnection.
func (s *Socket) OnConnect(fn func()) { s.On("connect", fn) }

// OnDisconnect registers fn for every disconnection, with its reason (a
// Reason constant).
func (s *Socket) OnDisconnect(fn func(reason string)) { s.On("disconnect", fn) }

// OnConnectError registers fn for connection failures: a *ConnectError
// when the server refused the namespace, the error of the attempt
// otherwise.
func (s *Socket) OnConnectError(fn func(err error)) {
	s.mu.Lock()
	s.connectErrorFns = append(s.connectErrorFns, fn)
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

// OnError registers a listener for errors of handlers: arguments that do
// not fit a handler (*ArgError), errors handlers returned.
func (s *Socket) OnError(fn func(error)) {
	s.mu.Lock()
	s.reg.AddError(fn)
	s.mu.Unlock()
}

func (s *Socket) addListener(event string, fn any, once bool) {
	h, err := typedfunc.New(fn, false)
	if err != nil {
		panic(fmt.Sprintf("client: On(%q): %v", event, err))
	}
	s.mu.Lock()
	s.reg.Add(event, h, once)
	s.mu.Unlock()
}

// handleEvent runs the catch-all listeners and the handlers of an event,
// on the dispatcher.
func (s *Socket) handleEvent(event string, args Args, ack AckFunc) {
	s.mu.Lock()
	anys, ls := s.reg.Any(), s.reg.Take(event)
	s.mu.Unlock()
	for _, fn := range anys {
		s.d.protect(event, func() { fn(event, args) })
	}
	for _, l := range ls {
		var err error
		s.d.protect(event, func() { err = l.H.Call(event, args, ack) })
		if err != nil {
			s.m.opts.Logger.Warn("client: handler error", "event", event, "nsp", s.nsp, "err", err)
			s.emitError(err)
		}
	}
}

// dispatchReserved queues the handlers of a reserved event with raw
// arguments. The handlers are those registered now, when the event
// happens: one registered once Connect returned does not see that
// connection's "connect". The caller holds s.mu.
func (s *Socket) dispatchReservedLocked(event string, raw []json.RawMessage) {
	ls := s.reg.Take(event)
	if len(ls) == 0 {
		return
	}
	args := typedfunc.NewArgs(raw, nil)
	s.dispatch(func() {
		for _, l := range ls {
			var err error
			s.d.protect(event, func() { err = l.H.Call(event, args, nil) })
			if err != nil {
				s.emitError(err)
			}
		}
	})
}

// dispatchConnectErrorLocked queues the connect_error listeners of both
// kinds; the caller holds s.mu.
func (s *Socket) dispatchConnectErrorLocked(err error) {
	fns := s.connectErrorFns
	s.dispatch(func() {
		for _, fn := range fns {
			s.d.protect("connect_error", func() { fn(err) })
		}
	})
	raw := []json.RawMessage{jsonString(err.Error())}
	var ce *ConnectError
	if errors.As(err, &ce) {
		raw[0] = jsonString(ce.Message)
	}
	// The data always, null when none: a typed listener's second
	// parameter must not fail as a missing argument.
	raw = append(raw, json.RawMessage("null"))
	if ce != nil && len(ce.Data) > 0 {
		raw[1] = ce.Data
	}
	s.dispatchReservedLocked("connect_error", raw)
}

// emitError calls the OnError listeners.
func (s *Socket) emitError(err error) {
	s.mu.Lock()
	fns := s.reg.Errors()
	s.mu.Unlock()
	for _, fn := range fns {
		s.d.protect("error", func() { fn(err) })
	}
}
