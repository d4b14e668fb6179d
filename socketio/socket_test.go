package socketio_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/duplexio/duplex/socketio"
)

type point struct{ X, Y int }

type upload struct {
	Name string `json:"name"`
	Body []byte `json:"body"`
}

// TestOnTypedHandlers sends one event per case and checks what the typed
// handler received.
func TestOnTypedHandlers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fn   func(got chan<- any) any // the handler of "ev"
		args []any                    // what the client sends after "ev"
		wire string                   // the packet's text, when args are not enough
		want any
	}{
		{"string", func(got chan<- any) any { return func(s string) { got <- s } },
			[]any{"héllo \"x\""}, "", "héllo \"x\""},
		{"int", func(got chan<- any) any { return func(n int) { got <- n } },
			[]any{42}, "", 42},
		{"several", func(got chan<- any) any { return func(n int, s string, b bool) { got <- fmt.Sprintln(n, s, b) } },
			[]any{-7, "a", true}, "", "-7 a true\n"},
		{"missing nilable argument", func(got chan<- any) any {
			return func(s string, p *int, m map[string]int) { got <- fmt.Sprintf("%q %v %v", s, p, m) }
		}, []any{"only"}, "", `"only" <nil> map[]`},
		{"struct", func(got chan<- any) any { return func(p point) { got <- p } },
			[]any{map[string]int{"X": 1, "Y": 2}}, "", point{1, 2}},
		{"pointer", func(got chan<- any) any { return func(p *point) { got <- *p } },
			[]any{map[string]int{"X": 3}}, "", point{3, 0}},
		{"any", func(got chan<- any) any { return func(v any) { got <- v } },
			[]any{map[string]any{"a": []any{1.5}}}, "", map[string]any{"a": []any{1.5}}},
		{"raw", func(got chan<- any) any { return func(r json.RawMessage) { got <- string(r) } },
			nil, `2["ev",{"a" : 1}]`, `{"a" : 1}`},
		{"variadic", func(got chan<- any) any { return func(ns ...int) { got <- ns } },
			[]any{1, 2, 3}, "", []int{1, 2, 3}},
		{"binary", func(got chan<- any) any { return func(b []byte) { got <- b } },
			[]any{[]byte{0, 1, 2, 255}}, "", []byte{0, 1, 2, 255}},
		{"binary in struct", func(got chan<- any) any { return func(u upload) { got <- u } },
			[]any{map[string]any{"name": "a.txt", "body": []byte("data")}}, "", upload{"a.txt", []byte("data")}},
		{"two binaries", func(got chan<- any) any {
			return func(a []byte, s string, b []byte) { got <- string(a) + s + string(b) }
		},
			[]any{[]byte("x"), "-", []byte("y")}, "", "x-y"},
		{"Args", func(got chan<- any) any {
			return func(a socketio.Args) {
				var s string
				var b []byte
				err := a.Scan(&s, &b)
				got <- fmt.Sprintln(a.Len(), s, string(b), err)
			}
		}, []any{"s", []byte("bin"), 3}, "", "3 s bin <nil>\n"},
		{"ints then Args", func(got chan<- any) any {
			return func(n int, rest socketio.Args) { got <- fmt.Sprintln(n, rest.Len(), string(rest.Raw(0))) }
		}, []any{1, "two", 3}, "", "1 2 \"two\"\n"},
		{"returns nil error", func(got chan<- any) any { return func(s string) error { got <- s; return nil } },
			[]any{"ok"}, "", "ok"},
		{"numeric event name", func(got chan<- any) any { return func(s string) { got <- s } },
			nil, `2[1,"one"]`, "one"},
	}
	for _, tr := range transports {
		for _, tt := range tests {
			t.Run(tr+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				io, url := newServer(t, nil)
				got := make(chan any, 1)
				errs := make(chan error, 1)
				event := "ev"
				if tt.name == "numeric event name" {
					event = "1"
				}
				onConnect(io, func(s *socketio.Socket) {
					s.On(event, tt.fn(got))
					s.OnError(func(err error) { errs <- err })
				})
				c, _ := connect(t, url, tr, "/")
				if tt.wire != "" {
					send(t, c, tt.wire)
				} else {
					emit(t, c, "/", "ev", tt.args...)
				}
				select {
				case v := <-got:
					if !reflect.DeepEqual(v, tt.want) {
						t.Errorf("handler got %#v, want %#v", v, tt.want)
					}
				case err := <-errs:
					t.Fatalf("OnError: %v", err)
				case <-time.After(wait):
					t.Fatal("handler not called")
				}
			})
		}
	}
}

// TestOnArgMismatch: arguments that do not fit go to OnError as *ArgError
// and the handler is not called; the socket keeps working.
func TestOnArgMismatch(t *testing.T) {
	t.Parallel()
	forEachTransport(t, func(t *testing.T, tr string) {
		io, url := newServer(t, nil)
		got := make(chan string, 4)
		errs := make(chan error, 4)
		onConnect(io, func(s *socketio.Socket) {
			s.On("pair", func(s string, n int) { got <- fmt.Sprintln(s, n) })
			s.OnError(func(err error) { errs <- err })
		})
		c, _ := connect(t, url, tr, "/")
		emit(t, c, "/", "pair", "a", "not a number")
		emit(t, c, "/", "pair", 1, 2)
		emit(t, c, "/", "pair", "b", 2)
		for _, want := range []struct {
			index int
			typ   reflect.Type
		}{{1, reflect.TypeFor[int]()}, {0, reflect.TypeFor[string]()}} {
			err := recv(t, errs, "ArgError")
			var ae *socketio.ArgError
			if !errors.As(err, &ae) {
				t.Fatalf("OnError got %T %v, want *ArgError", err, err)
			}
			if ae.Event != "pair" || ae.Index != want.index || ae.Want != want.typ || ae.Err == nil {
				t.Errorf("ArgError %+v, want event pair, index %d, type %v", ae, want.index, want.typ)
			}
		}
		if v := recv(t, got, "handler call"); v != "b 2\n" {
			t.Errorf("handler got %q, want the third event", v)
		}
		none(t, got, "handler call")
	})
}

func TestOnceOffOnAny(t *testing.T) {
	t.Parallel()
	forEachTransport(t, func(t *testing.T, tr string) {
		io, url := newServer(t, nil)
		calls := make(chan string, 16)
		onConnect(io, func(s *socketio.Socket) {
			s.Once("once", func(n int) { calls <- fmt.Sprint("once ", n) })
			s.On("off", func() { calls <- "off" })
			s.On("off", func() { calls <- "off 2" })
			s.Off("off")
			s.On("ev", func(n int) { calls <- fmt.Sprint("ev ", n) })
			s.OnAny(func(event string, a socketio.Args) { calls <- fmt.Sprintf("any %s %s", event, a.Raw(0)) })
			s.On("offany", func() { s.OffAny() })
		})
		c, _ := connect(t, url, tr, "/")
		emit(t, c, "/", "once", 1)
		emit(t, c, "/", "once", 2)
		emit(t, c, "/", "off")
		emit(t, c, "/", "ev", 3)
		emit(t, c, "/", "offany")
		emit(t, c, "/", "ev", 4)
		want := []string{"any once 1", "once 1", "any once 2", "any off ", "any ev 3", "ev 3", "any offany ", "ev 4"}
		for _, w := range want {
			if got := recv(t, calls, w); got != w {
				t.Fatalf("got call %q, want %q", got, w)
			}
		}
		none(t, calls, "call")
	})
}

// TestOnDisconnectListeners: On("disconnect") and OnDisconnect both get
// the reason.
func TestOnDisconnectListeners(t *testing.T) {
	t.Parallel()
	io, url := newServer(t, nil)
	got := make(chan string, 4)
	onConnect(io, func(s *socketio.Socket) {
		s.On("disconnect", func(reason string) { got <- "On " + reason })
		s.OnDisconnect(func(reason string) { got <- "OnDisconnect " + reason })
		s.On("disconnect", func(a socketio.Args) { got <- fmt.Sprint("Args ", a.Len()) })
	})
	c, _ := connect(t, url, "websocket", "/")
	send(t, c, "1")
	// Args: the reason and its description, always both.
	for _, want := range []string{"On client namespace disconnect", "OnDisconnect client namespace disconnect", "Args 2"} {
		if g := recv(t, got, want); g != want {
			t.Errorf("got %q, want %q", g, want)
		}
	}
}

// TestOnDisconnectDescription: disconnect listeners get the reason and,
// as a second string argument, the error behind it ("" when none).
func TestOnDisconnectDescription(t *testing.T) {
	t.Parallel()
	io, url := newServer(t, nil)
	got := make(chan string, 2)
	onConnect(io, func(s *socketio.Socket) {
		s.On("disconnect", func(reason, desc string) { got <- fmt.Sprintf("%s: %q", reason, desc) })
	})
	c, _ := connect(t, url, "websocket", "/")
	send(t, c, "1")
	if g := recv(t, got, "disconnect"); g != `client namespace disconnect: ""` {
		t.Errorf("got %s", g)
	}
	join(t, c, "/", nil)
	send(t, c, "garbage")
	if g := recv(t, got, "disconnect"); !strings.HasPrefix(g, `parse error: "parser: invalid packet`) {
		t.Errorf("got %s, want parse error with the parser's error", g)
	}
}

func TestOnAnyOutgoing(t *testing.T) {
	t.Parallel()
	io, url := newServer(t, nil)
	out := make(chan string, 16)
	joined := make(chan struct{}, 2)
	onConnect(io, func(s *socketio.Socket) {
		s.Join("room")
		s.On("ping", func(ack socketio.AckFunc) { ack("pong") }) // acks are not events
		s.On("stop", func() { s.OffAnyOutgoing() })
		joined <- struct{}{}
	})
	c, sid := connect(t, url, "websocket", "/")
	_, otherID := connect(t, url, "websocket", "/")
	// The CONNECT packet goes out before the connection handlers run, as
	// in Node: wait for the joins before emitting to the room.
	recv(t, joined, "join")
	recv(t, joined, "join")
	s := socketOf(t, io, "/", sid)
	s.OnAnyOutgoing(func(event string, a socketio.Args) {
		v, _ := a.Values()
		out <- fmt.Sprint(event, v)
	})
	if err := s.Emit("direct", 1, []byte("b")); err != nil {
		t.Fatal(err)
	}
	if err := io.Emit("all", "x"); err != nil {
		t.Fatal(err)
	}
	if err := io.To("room").Except("nobody").Emit("room"); err != nil {
		t.Fatal(err)
	}
	if err := socketOf(t, io, "/", otherID).Broadcast().Emit("from other"); err != nil {
		t.Fatal(err)
	}
	emitAck(t, c, "/", 1, "ping")
	expect(t, c, `51-["direct",1,{"_placeholder":true,"num":0}]`)
	expect(t, c, `2["all","x"]`)
	expect(t, c, `2["room"]`)
	expect(t, c, `2["from other"]`)
	expect(t, c, `31["pong"]`)
	for _, want := range []string{"direct[1 [98]]", "all[x]", "room[]", "from other[]"} {
		if got := recv(t, out, want); got != want {
			t.Errorf("outgoing %q, want %q", got, want)
		}
	}
	none(t, out, "outgoing event")
	emit(t, c, "/", "stop")
	emitAck(t, c, "/", 2, "ping") // a barrier: handled after stop
	expect(t, c, `32["pong"]`)
	if err := io.Emit("after"); err != nil {
		t.Fatal(err)
	}
	expect(t, c, `2["after"]`)
	none(t, out, "outgoing event after OffAnyOutgoing")
}

// TestSocketMiddleware: a packet middleware that refuses an event drops it
// (no catch-all, no handler) and reports the error to OnError.
func TestSocketMiddleware(t *testing.T) {
	t.Parallel()
	forEachTransport(t, func(t *testing.T, tr string) {
		io, url := newServer(t, nil)
		calls := make(chan string, 16)
		errForbidden := errors.New("forbidden")
		onConnect(io, func(s *socketio.Socket) {
			s.Use(func(event string, a socketio.Args) error {
				calls <- "mw1 " + event
				if event == "secret" {
					return errForbidden
				}
				return nil
			})
			s.Use(func(event string, a socketio.Args) error {
				var n int
				if a.Len() > 0 && a.Decode(0, &n) == nil && n < 0 {
					return fmt.Errorf("negative %d", n)
				}
				return nil
			})
			s.OnAny(func(event string, _ socketio.Args) { calls <- "any " + event })
			s.On("secret", func() { calls <- "secret handler" })
			s.On("num", func(n int) { calls <- fmt.Sprint("num ", n) })
			s.OnError(func(err error) { calls <- "error " + err.Error() })
		})
		c, _ := connect(t, url, tr, "/")
		emit(t, c, "/", "secret")
		emit(t, c, "/", "num", -1)
		emit(t, c, "/", "num", 1)
		for _, want := range []string{"mw1 secret", "error forbidden", "mw1 num", "error negative -1", "mw1 num", "any num", "num 1"} {
			if got := recv(t, calls, want); got != want {
				t.Fatalf("got %q, want %q", got, want)
			}
		}
		none(t, calls, "call")
	})
}

// TestSocketMiddlewarePanic: a panicking packet middleware must not let the
// event through (as a panicking connection middleware refuses the
// connection).
func TestSocketMiddlewarePanic(t *testing.T) {
	t.Parallel()
	io, url := newServer(t, nil)
	calls := make(chan string, 4)
	onConnect(io, func(s *socketio.Socket) {
		s.Use(func(event string, _ socketio.Args) error {
			if event == "admin" {
				panic("auth backend down")
			}
			return nil
		})
		s.On("admin", func() { calls <- "admin handler" })
		s.On("ok", func() { calls <- "ok handler" })
	})
	c, _ := connect(t, url, "websocket", "/")
	emit(t, c, "/", "admin")
	emit(t, c, "/", "ok")
	if got := recv(t, calls, "ok handler"); got != "ok handler" {
		t.Errorf("event refused by a panicking middleware reached its handler: got %q first", got)
	}
}

// TestOnceAfterMiddlewareRefusal: an event the middleware refuses never
// reaches the listeners, so it must not use up a Once listener.
func TestOnceAfterMiddlewareRefusal(t *testing.T) {
	t.Parallel()
	io, url := newServer(t, nil)
	calls := make(chan string, 4)
	onConnect(io, func(s *socketio.Socket) {
		s.Use(func(_ string, a socketio.Args) error {
			var v string
			if a.Decode(0, &v) == nil && v == "deny" {
				return errors.New("denied")
			}
			return nil
		})
		s.Once("ev", func(v string) { calls <- v })
		s.On("barrier", func(ack socketio.AckFunc) { ack() })
	})
	c, _ := connect(t, url, "websocket", "/")
	emit(t, c, "/", "ev", "deny")
	emit(t, c, "/", "ev", "allow")
	emitAck(t, c, "/", 1, "barrier")
	expect(t, c, `31[]`)
	select {
	case v := <-calls:
		if v != "allow" {
			t.Errorf("Once listener got %q", v)
		}
	default:
		t.Error("the Once listener was used up by the refused event: not called for the allowed one")
	}
}

// TestHandlerErrors: errors returned by handlers go to OnError; a panic is
// recovered and the socket keeps working.
func TestHandlerErrors(t *testing.T) {
	t.Parallel()
	forEachTransport(t, func(t *testing.T, tr string) {
		io, url := newServer(t, nil)
		errs := make(chan error, 4)
		errBoom := errors.New("boom")
		onConnect(io, func(s *socketio.Socket) {
			s.On("fail", func() error { return errBoom })
			s.On("panic", func(ack socketio.AckFunc) { panic("handler bug") })
			s.On("echo", func(v string, ack socketio.AckFunc) { ack(v) })
			s.OnError(func(err error) { errs <- err })
		})
		c, _ := connect(t, url, tr, "/")
		emit(t, c, "/", "fail")
		if err := recv(t, errs, "handler error"); !errors.Is(err, errBoom) {
			t.Errorf("OnError got %v, want %v", err, errBoom)
		}
		emitAck(t, c, "/", 1, "panic")
		emitAck(t, c, "/", 2, "echo", "still here")
		expect(t, c, `32["still here"]`)
		none(t, errs, "error")
	})
}

// TestHandlersInOrder: one socket's handlers run one at a time, in the
// order the client sent the events.
func TestHandlersInOrder(t *testing.T) {
	t.Parallel()
	forEachTransport(t, func(t *testing.T, tr string) {
		io, url := newServer(t, nil)
		const n = 50
		var active, overlaps atomic.Int32
		got := make(chan int, n)
		onConnect(io, func(s *socketio.Socket) {
			s.On("seq", func(i int) {
				if active.Add(1) > 1 {
					overlaps.Add(1)
				}
				if i%7 == 0 {
					time.Sleep(2 * time.Millisecond)
				}
				active.Add(-1)
				got <- i
			})
		})
		c, _ := connect(t, url, tr, "/")
		for i := range n {
			emit(t, c, "/", "seq", i)
		}
		for i := range n {
			if v := recv(t, got, "event"); v != i {
				t.Fatalf("event %d handled in position %d", v, i)
			}
		}
		if o := overlaps.Load(); o != 0 {
			t.Errorf("%d handlers overlapped", o)
		}
	})
}

// TestSlowHandlerDoesNotBlockOthers: a handler that blocks holds up its own
// socket only: not another client, nor the same client's socket in another
// namespace.
func TestSlowHandlerDoesNotBlockOthers(t *testing.T) {
	t.Parallel()
	forEachTransport(t, func(t *testing.T, tr string) {
		io, url := newServer(t, nil)
		release := make(chan struct{})
		defer close(release)
		setup := func(s *socketio.Socket) {
			s.On("block", func() { <-release })
			s.On("echo", func(v string, ack socketio.AckFunc) { ack(v) })
		}
		io.OnConnection(setup)
		io.Of("/custom").OnConnection(setup)
		a := dial(t, url, tr)
		join(t, a, "/", nil)
		join(t, a, "/custom", nil)
		b, _ := connect(t, url, tr, "/")

		emit(t, a, "/", "block")
		emitAck(t, a, "/", 1, "echo", "queued")
		emitAck(t, b, "/", 2, "echo", "other client")
		expect(t, b, `32["other client"]`)
		emitAck(t, a, "/custom", 3, "echo", "other namespace")
		expect(t, a, `3/custom,3["other namespace"]`)
		expectNothing(t, a) // "queued" waits behind "block"
	})
}

// TestEmitBinary: []byte arguments travel as attachments.
func TestEmitBinary(t *testing.T) {
	t.Parallel()
	forEachTransport(t, func(t *testing.T, tr string) {
		io, url := newServer(t, nil)
		io.Of("/custom")
		c := dial(t, url, tr)
		sid := join(t, c, "/custom", nil)
		s := socketOf(t, io, "/custom", sid)
		if err := s.Emit("file", []byte{1, 2, 3}, map[string]any{"thumb": []byte{}, "name": "x"}); err != nil {
			t.Fatal(err)
		}
		p := expect(t, c, `52-/custom,["file",{"_placeholder":true,"num":0},{"name":"x","thumb":{"_placeholder":true,"num":1}}]`)
		if len(p.Attachments) != 2 || !bytes.Equal(p.Attachments[0], []byte{1, 2, 3}) || len(p.Attachments[1]) != 0 {
			t.Errorf("attachments %q", p.Attachments)
		}
	})
}

// TestEmitReserved: the names the protocol reserves cannot be emitted, by
// any path.
func TestEmitReserved(t *testing.T) {
	t.Parallel()
	io, url := newServer(t, nil)
	_, sid := connect(t, url, "websocket", "/")
	s := socketOf(t, io, "/", sid)
	parent := io.OfFunc(func(string, json.RawMessage) bool { return true })
	join(t, dial(t, url, "websocket"), "/child", nil)
	ctx := t.Context()
	for _, name := range []string{"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"} {
		emits := map[string]func() error{
			"Socket.Emit":           func() error { return s.Emit(name, 1) },
			"Socket.Timeout.Emit":   func() error { return s.Timeout(time.Second).Emit(name, func(error) {}) },
			"Socket.Volatile.Emit":  func() error { return s.Volatile().Emit(name) },
			"Socket.EmitWithAck":    func() error { _, err := s.EmitWithAck(ctx, name); return err },
			"Socket.Broadcast.Emit": func() error { return s.Broadcast().Emit(name) },
			"Socket.To.Emit":        func() error { return s.To("r").Emit(name) },
			"Server.Emit":           func() error { return io.Emit(name) },
			"Server.To.Emit":        func() error { return io.To("r").Emit(name) },
			"Server.Volatile.Emit":  func() error { return io.Volatile().Emit(name) },
			"Namespace.EmitWithAck": func() error { _, err := io.Sockets().Timeout(time.Second).EmitWithAck(ctx, name); return err },
			"Server.ServerSideEmit": func() error { return io.ServerSideEmit(ctx, name) },
			"ServerSideEmitWithAck": func() error { _, err := io.ServerSideEmitWithAck(ctx, name); return err },
			"ParentNamespace.Emit":  func() error { return parent.Emit(name) },
		}
		for path, f := range emits {
			if err := f(); !errors.Is(err, socketio.ErrReservedEvent) {
				t.Errorf("%s(%q) = %v, want ErrReservedEvent", path, name, err)
			}
		}
	}
}

// TestEmitUnencodable: an argument encoding/json refuses is an error, and
// nothing is sent.
func TestEmitUnencodable(t *testing.T) {
	t.Parallel()
	io, url := newServer(t, nil)
	c, sid := connect(t, url, "websocket", "/")
	s := socketOf(t, io, "/", sid)
	if err := s.Emit("x", make(chan int)); err == nil {
		t.Error("Socket.Emit of a channel: no error")
	}
	if err := io.Emit("x", func() {}); err == nil {
		t.Error("Server.Emit of a function: no error")
	}
	if _, err := s.EmitWithAck(t.Context(), "x", make(chan int)); err == nil {
		t.Error("EmitWithAck of a channel: no error")
	}
	expectNothing(t, c)
}

// TestEmitAfterDisconnect: emits on a socket that is gone fail with
// ErrDisconnected.
func TestEmitAfterDisconnect(t *testing.T) {
	t.Parallel()
	io, url := newServer(t, nil)
	gone := make(chan *socketio.Socket, 1)
	onConnect(io, func(s *socketio.Socket) {
		s.OnDisconnect(func(string) { gone <- s })
	})
	c, _ := connect(t, url, "websocket", "/")
	send(t, c, "1")
	s := recv(t, gone, "disconnect")
	if s.Connected() {
		t.Error("Connected() after disconnect")
	}
	if err := s.Emit("x"); !errors.Is(err, socketio.ErrDisconnected) {
		t.Errorf("Emit = %v, want ErrDisconnected", err)
	}
	if _, err := s.EmitWithAck(t.Context(), "x"); !errors.Is(err, socketio.ErrDisconnected) {
		t.Errorf("EmitWithAck = %v, want ErrDisconnected", err)
	}
	if err := s.Timeout(time.Second).Emit("x", func(error) {}); !errors.Is(err, socketio.ErrDisconnected) {
		t.Errorf("Timeout.Emit = %v, want ErrDisconnected", err)
	}
	if r := s.Rooms(); len(r) != 0 {
		t.Errorf("Rooms() after disconnect = %v", r)
	}
	s.Disconnect(true) // no effect
	expectNothing(t, c)
}

// TestSocketAccessors covers the small getters.
func TestSocketAccessors(t *testing.T) {
	t.Parallel()
	io, url := newServer(t, nil)
	c, sid := connect(t, url, "polling", "/")
	s := socketOf(t, io, "/", sid)
	if s.ID() != sid || s.Namespace() != io.Sockets() || s.Server() != io || !s.Connected() || s.Recovered() {
		t.Errorf("accessors: id %s ns %s connected %v recovered %v", s.ID(), s.Namespace().Name(), s.Connected(), s.Recovered())
	}
	if s.Conn().ID() != c.SID() || s.Conn().Transport() != "polling" {
		t.Errorf("Conn() = %s over %s, want %s over polling", s.Conn().ID(), s.Conn().Transport(), c.SID())
	}
	if s.Data() != nil {
		t.Errorf("Data() = %v, want nil", s.Data())
	}
	if err := s.Volatile().Compress(false).Timeout(0).Emit("v"); err != nil {
		t.Errorf("Volatile().Emit: %v", err)
	}
}

// TestUpgradeKeepsSockets: a polling client that upgrades to WebSocket
// keeps its socket and receives what is emitted after.
func TestUpgradeKeepsSockets(t *testing.T) {
	t.Parallel()
	io, url := newServer(t, nil)
	onConnect(io, func(s *socketio.Socket) {
		s.On("echo", func(v string, ack socketio.AckFunc) { ack(v) })
	})
	c, sid := connect(t, url, "polling", "/")
	c.Upgrade(t)
	if c.Transport() != "websocket" {
		t.Fatalf("transport %s after Upgrade", c.Transport())
	}
	emitAck(t, c, "/", 9, "echo", "over ws")
	expect(t, c, `39["over ws"]`)
	if tr := socketOf(t, io, "/", sid).Conn().Transport(); tr != "websocket" {
		t.Errorf("server transport %s", tr)
	}
}
