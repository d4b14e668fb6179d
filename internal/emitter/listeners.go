package emitter

import (
	"slices"

	"github.com/duplexio/duplex/internal/typedfunc"
)

// Listener is one handler registered for an event.
type Listener struct {
	H    *typedfunc.Handler
	Once bool // removed by the Take that returns it
}

// Listeners are a socket's registered handlers: by event, catch-all (of
// argument type A, each side's Args) and for errors. The zero value is
// empty and ready. It is not safe for concurrent use: the socket guards it
// with its own mutex. The elements of the slices it returns are never
// modified afterwards, so that the caller may range over them once it let
// the lock go.
type Listeners[A any] struct {
	events  eventTable
	anyIn   []func(event string, args A)
	onError []func(error)
}

// eventTable holds the listeners of each event name in a slice searched
// in order. A socket listens to a handful of events, usually registered
// per socket, and a map of four entries cost about 400 bytes per idle
// server-side client.
type eventTable []eventEntry

type eventEntry struct {
	event string
	ls    []*Listener
}

func (t eventTable) get(event string) []*Listener {
	for i := range t {
		if t[i].event == event {
			return t[i].ls
		}
	}
	return nil
}

// set replaces the listeners of event; none removes the event.
func (t *eventTable) set(event string, ls []*Listener) {
	for i := range *t {
		if (*t)[i].event != event {
			continue
		}
		if len(ls) == 0 {
			*t = slices.Delete(*t, i, i+1)
		} else {
			(*t)[i].ls = ls
		}
		return
	}
	if len(ls) > 0 {
		*t = append(*t, eventEntry{event, ls})
	}
}

// Add registers h for event, after its other handlers.
func (l *Listeners[A]) Add(event string, h *typedfunc.Handler, once bool) {
	// Appending past the length of a slice that Take returned leaves
	// what its holder reads alone.
	l.events.set(event, append(l.events.get(event), &Listener{H: h, Once: once}))
}

// Remove removes every handler of event.
func (l *Listeners[A]) Remove(event string) { l.events.set(event, nil) }

// Take returns the handlers of event, removing the once ones. It
// allocates only when there are once ones to remove.
func (l *Listeners[A]) Take(event string) []*Listener {
	ls := l.events.get(event)
	if !slices.ContainsFunc(ls, func(x *Listener) bool { return x.Once }) {
		return ls
	}
	kept := make([]*Listener, 0, len(ls)-1)
	for _, x := range ls {
		if !x.Once {
			kept = append(kept, x)
		}
	}
	l.events.set(event, kept)
	return ls
}

// AddAny registers a catch-all listener.
func (l *Listeners[A]) AddAny(fn func(event string, args A)) {
	l.anyIn = append(l.anyIn, fn)
}

// RemoveAny removes the catch-all listeners.
func (l *Listeners[A]) RemoveAny() { l.anyIn = nil }

// Any returns the catch-all listeners.
func (l *Listeners[A]) Any() []func(event string, args A) { return l.anyIn }

// AddError registers an error listener.
func (l *Listeners[A]) AddError(fn func(error)) {
	l.onError = append(l.onError, fn)
}

// Errors returns the error listeners.
func (l *Listeners[A]) Errors() []func(error) { return l.onError }

// CallAck calls an emit's acknowledgement callback h: with ackErr (nil
// when the answer came) before the arguments when h takes an error
// (withErr), with the arguments alone otherwise.
func CallAck(h *typedfunc.Handler, event string, withErr bool, ackErr error, args typedfunc.Args) error {
	if withErr {
		return h.CallErr(event, ackErr, args)
	}
	return h.Call(event, args, nil)
}
