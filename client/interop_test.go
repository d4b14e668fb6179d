package client

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// interopCases run against every server kind and transport mode: the same
// table for our server and Node's.
var interopCases = []struct {
	name string
	run  func(t *testing.T, srv testServer, o *Options)
}{
	{"connect", testConnect},
	{"auth", testAuth},
	{"namespaces", testNamespaces},
	{"emit and on", testEmitOn},
	{"ack from server", testAckFromServer},
	{"ack callback", testAckCallback},
	{"ack to server", testAckToServer},
	{"binary", testBinary},
	{"binary in acks", testBinaryAcks},
	{"connect error", testConnectError},
	{"server disconnect", testServerDisconnect},
	{"server closes connection", testServerCloses},
	{"transport dropped", testTransportDropped},
	{"ack timeout", testAckTimeout},
	{"server ack timeout", testServerAckTimeout},
	{"once off any", testOnceOffAny},
	{"upgrade", testUpgrade},
}

// TestInteropMsgpack runs the interop cases with the msgpack parser on
// both sides, against our server and Node's with socket.io-msgpack-parser.
func TestInteropMsgpack(t *testing.T) {
	t.Parallel()
	forEachServer(t, fixtureOptions{msgpack: true}, func(t *testing.T, srv testServer, transports []string) {
		for _, c := range interopCases {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				o := testOptions(transports)
				o.Parser = ParserMsgpack
				c.run(t, srv, o)
			})
		}
	})
}

func TestInterop(t *testing.T) {
	t.Parallel()
	forEachServer(t, fixtureOptions{}, func(t *testing.T, srv testServer, transports []string) {
		for _, c := range interopCases {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				c.run(t, srv, testOptions(transports))
			})
		}
	})
}

func testConnect(t *testing.T, srv testServer, o *Options) {
	s := dial(t, srv, "/", o)
	if !s.Connected() || !s.Active() || len(s.ID()) == 0 {
		t.Fatalf("Connected %v, Active %v, ID %q", s.Connected(), s.Active(), s.ID())
	}
	if s.Namespace() != "/" || s.Recovered() {
		t.Errorf("Namespace %q, Recovered %v", s.Namespace(), s.Recovered())
	}
	if s.Manager().EngineID() == "" || s.Manager().Transport() == "" {
		t.Errorf("EngineID %q, Transport %q", s.Manager().EngineID(), s.Manager().Transport())
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s.Connected() || s.Active() || s.ID() != "" || s.Manager().Transport() != "" {
		t.Errorf("after Close: Connected %v, Active %v, ID %q, Transport %q",
			s.Connected(), s.Active(), s.ID(), s.Manager().Transport())
	}
	if err := s.Emit("message", 1); !errors.Is(err, ErrDisconnected) {
		t.Errorf("Emit after Close: %v, want ErrDisconnected", err)
	}
}

func testAuth(t *testing.T, srv testServer, o *Options) {
	var calls atomic.Int32
	o.AuthFunc = func(context.Context) (any, error) {
		calls.Add(1)
		return map[string]any{"token": "abc", "n": 1}, nil
	}
	m, err := NewManager(srv.URL(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	s := m.Socket("/", nil)
	ev := collect(s)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := s.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, ev.next(t, "auth"), []any{map[string]any{"token": "abc", "n": 1}})
	if calls.Load() != 1 {
		t.Errorf("AuthFunc called %d times", calls.Load())
	}
	// A static payload, per socket.
	c := m.Socket("/custom", &SocketOptions{Auth: map[string]string{"k": "v"}})
	cev := collect(c)
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, cev.next(t, "auth"), []any{map[string]any{"k": "v"}})
}

func testNamespaces(t *testing.T, srv testServer, o *Options) {
	root := dial(t, srv, "/", o)
	m := root.Manager()
	custom := m.Socket("custom", nil)
	if m.Socket("/custom", nil) != custom {
		t.Fatal("Socket returned a second socket for the same namespace")
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := custom.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	a := ackValues(t, root, "engine-id")
	b := ackValues(t, custom, "engine-id")
	jsonEqual(t, a, b)
	jsonEqual(t, a, []any{m.EngineID()})
	// Closing one namespace keeps the other, and the connection, alive.
	_ = custom.Close()
	jsonEqual(t, ackValues(t, root, "message-with-ack", "still"), []any{"still"})
}

func testEmitOn(t *testing.T, srv testServer, o *Options) {
	s := dial(t, srv, "/", o)
	type point struct{ X, Y int }
	got := make(chan []any, 1)
	s.On("message-back", func(text string, n int, ok bool, p point, nothing any, list []string) {
		got <- []any{text, n, ok, p, nothing, list}
	})
	if err := s.Emit("message", "héllo", 42, true, point{1, 2}, nil, []string{"a"}); err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, recv(t, got, "message-back"), []any{"héllo", 42, true, point{1, 2}, nil, []string{"a"}})
}

func testAckFromServer(t *testing.T, srv testServer, o *Options) {
	s := dial(t, srv, "/", o)
	jsonEqual(t, ackValues(t, s, "message-with-ack", "x", 2, map[string]any{"k": []any{1}}),
		[]any{"x", 2, map[string]any{"k": []any{1}}})
	jsonEqual(t, ackValues(t, s, "message-with-ack"), []any{})
}

func testAckCallback(t *testing.T, srv testServer, o *Options) {
	s := dial(t, srv, "/", o)
	got := make(chan []any, 2)
	if err := s.Emit("message-with-ack", "y", 3, func(a string, b int) { got <- []any{a, b} }); err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, recv(t, got, "ack"), []any{"y", 3})
	// With a timeout the callback takes an error first.
	err := s.Timeout(testTimeout).Emit("message-with-ack", "z", func(err error, a string) { got <- []any{err, a} })
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, recv(t, got, "ack"), []any{nil, "z"})
}

func testAckToServer(t *testing.T, srv testServer, o *Options) {
	s := dial(t, srv, "/", o)
	s.On("server-request", func(q string, n float64, ack AckFunc) { ack("answer to "+q, n+1) })
	got := ackValues(t, s, "request-ack", testTimeout.Milliseconds(), "q", 1)
	jsonEqual(t, got, []any{map[string]any{"ok": true, "args": []any{"answer to q", 2}}})
}

func testBinary(t *testing.T, srv testServer, o *Options) {
	s := dial(t, srv, "/", o)
	got := make(chan []any, 1)
	s.On("message-back", func(b []byte, m map[string]any, text string) { got <- []any{b, m["bin"], m["n"], text} })
	err := s.Emit("message", []byte{1, 2, 3}, map[string]any{"bin": []byte{}, "n": 7}, "text")
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, recv(t, got, "message-back"), []any{[]byte{1, 2, 3}, []byte{}, 7.0, "text"})
	jsonEqual(t, ackValues(t, s, "types", []byte("x"), "s", 1, nil, []any{}),
		[]any{[]any{"binary", "string", "number", "null", "array"}})
}

func testBinaryAcks(t *testing.T, srv testServer, o *Options) {
	s := dial(t, srv, "/", o)
	jsonEqual(t, ackValues(t, s, "message-with-ack", []byte{0, 255}), []any{[]byte{0, 255}})
	s.On("server-request", func(ack AckFunc) { ack([]byte("bin")) })
	got := ackValues(t, s, "request-ack", testTimeout.Milliseconds())
	jsonEqual(t, got, []any{map[string]any{"ok": true, "args": []any{[]byte("bin")}}})
}

func testConnectError(t *testing.T, srv testServer, o *Options) {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	_, err := Dial(ctx, srv.URL()+"/restricted", o)
	var ce *ConnectError
	if !errors.As(err, &ce) {
		t.Fatalf("Dial: %v, want a *ConnectError", err)
	}
	if ce.Namespace != "/restricted" || ce.Message != "not authorized" || string(ce.Data) != `{"code":42}` {
		t.Errorf("ConnectError %+v (data %s)", ce, ce.Data)
	}
	// The error also reaches the listeners; then the right token works.
	root := dial(t, srv, "/", o)
	r := root.Manager().Socket("/restricted", nil)
	errs := make(chan error, 1)
	msgs := make(chan []any, 1)
	r.OnConnectError(func(err error) { errs <- err })
	r.On("connect_error", func(msg string, data map[string]int) { msgs <- []any{msg, data} })
	if err := r.Connect(ctx); !errors.As(err, &ce) {
		t.Fatalf("Connect: %v, want a *ConnectError", err)
	}
	if err := recv(t, errs, "connect_error"); !errors.As(err, &ce) {
		t.Errorf("OnConnectError got %v", err)
	}
	jsonEqual(t, recv(t, msgs, "connect_error args"), []any{"not authorized", map[string]int{"code": 42}})
	// An unknown namespace is refused too.
	unknown := root.Manager().Socket("/unknown", nil)
	if err := unknown.Connect(ctx); !errors.As(err, &ce) {
		t.Errorf("unknown namespace: %v, want a *ConnectError", err)
	}
	o.Auth = map[string]string{"token": "secret"}
	good := dial(t, srv, "/restricted", o)
	if !good.Connected() {
		t.Error("not connected with the right token")
	}
}

func testServerDisconnect(t *testing.T, srv testServer, o *Options) {
	s := dial(t, srv, "/", o)
	reasons := make(chan string, 2)
	s.OnDisconnect(func(reason string) { reasons <- reason })
	if err := s.Emit("disconnect-me", false); err != nil {
		t.Fatal(err)
	}
	if r := recv(t, reasons, "disconnect"); r != ReasonServerDisconnect {
		t.Fatalf("reason %q, want %q", r, ReasonServerDisconnect)
	}
	if s.Active() {
		t.Error("a socket the server disconnected must not reconnect")
	}
	if err := s.Emit("message"); !errors.Is(err, ErrDisconnected) {
		t.Errorf("Emit: %v, want ErrDisconnected", err)
	}
	// It may be connected again.
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := s.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, ackValues(t, s, "message-with-ack", 1), []any{1})
}

func testServerCloses(t *testing.T, srv testServer, o *Options) {
	s := dial(t, srv, "/", o)
	// Our server drops what it queued when it closes during an upgrade
	// (engineio refuses the upgrade packet of a closing session; Node's
	// accepts it and flushes): let the upgrade end first.
	waitTransport(t, s, o.Transports[len(o.Transports)-1])
	reasons := make(chan string, 2)
	s.OnDisconnect(func(reason string) { reasons <- reason })
	if err := s.Emit("disconnect-me", true); err != nil {
		t.Fatal(err)
	}
	if r := recv(t, reasons, "disconnect"); r != ReasonServerDisconnect {
		t.Fatalf("reason %q, want %q", r, ReasonServerDisconnect)
	}
	deadline := time.Now().Add(testTimeout)
	for s.Manager().Transport() != "" && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if tr := s.Manager().Transport(); tr != "" {
		t.Errorf("connection still open (%s) with no socket on it", tr)
	}
}

func testTransportDropped(t *testing.T, srv testServer, o *Options) {
	s := dial(t, srv, "/", o)
	m := s.Manager()
	reasons := make(chan string, 2)
	connects := make(chan struct{}, 2)
	reconnects := make(chan int, 2)
	s.OnDisconnect(func(reason string) { reasons <- reason })
	s.OnConnect(func() { connects <- struct{}{} })
	m.OnReconnect(func(attempt int) { reconnects <- attempt })
	first := s.ID()
	if err := s.Emit("drop-transport"); err != nil {
		t.Fatal(err)
	}
	if r := recv(t, reasons, "disconnect"); r != ReasonTransportClose && r != ReasonTransportError {
		t.Errorf("reason %q, want a transport reason", r)
	}
	recv(t, connects, "reconnection")
	if n := recv(t, reconnects, "reconnect event"); n < 1 {
		t.Errorf("reconnect after %d attempts", n)
	}
	if s.ID() == first || s.Recovered() {
		t.Errorf("id %q (was %q), recovered %v: want a new session", s.ID(), first, s.Recovered())
	}
	jsonEqual(t, ackValues(t, s, "message-with-ack", "again"), []any{"again"})
}

func testAckTimeout(t *testing.T, srv testServer, o *Options) {
	s := dial(t, srv, "/", o)
	start := time.Now()
	_, err := s.Timeout(300*time.Millisecond).EmitWithAck(context.Background(), "void")
	if !errors.Is(err, ErrAckTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("EmitWithAck: %v, want ErrAckTimeout", err)
	}
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Errorf("timed out after %v", d)
	}
	errs := make(chan error, 1)
	err = s.Timeout(200*time.Millisecond).Emit("void", func(err error, _ string) { errs <- err })
	if err != nil {
		t.Fatal(err)
	}
	if err := recv(t, errs, "ack callback"); !errors.Is(err, ErrAckTimeout) {
		t.Errorf("callback got %v, want ErrAckTimeout", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := s.EmitWithAck(ctx, "void"); !errors.Is(err, ErrAckTimeout) {
		t.Errorf("EmitWithAck with a context deadline: %v", err)
	}
}

func testServerAckTimeout(t *testing.T, srv testServer, o *Options) {
	s := dial(t, srv, "/", o)
	s.On("server-request", func(ack AckFunc) {}) // never answers
	jsonEqual(t, ackValues(t, s, "request-ack", 200), []any{map[string]any{"error": "timeout"}})
}

func testOnceOffAny(t *testing.T, srv testServer, o *Options) {
	s := dial(t, srv, "/", o)
	once := make(chan string, 4)
	on := make(chan string, 4)
	s.Once("message-back", func(v string) { once <- v })
	s.On("message-back", func(v string) { on <- v })
	ev := collect(s)
	for _, v := range []string{"a", "b"} {
		if err := s.Emit("message", v); err != nil {
			t.Fatal(err)
		}
		jsonEqual(t, ev.next(t, "message-back"), []any{v})
		if got := recv(t, on, "On"); got != v {
			t.Errorf("On got %q, want %q", got, v)
		}
	}
	if got := recv(t, once, "Once"); got != "a" || len(once) != 0 {
		t.Errorf("Once got %q and %d more", got, len(once))
	}
	s.Off("message-back")
	s.OffAny()
	if err := s.Emit("message", "c"); err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, ackValues(t, s, "message-with-ack"), []any{}) // after message-back
	select {
	case v := <-on:
		t.Errorf("handler called after Off with %q", v)
	default:
	}
}

// waitTransport waits until the socket's connection uses transport.
func waitTransport(t *testing.T, s *Socket, transport string) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for s.Manager().Transport() != transport && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := s.Manager().Transport(); got != transport {
		t.Fatalf("transport %q, want %q", got, transport)
	}
}

func testUpgrade(t *testing.T, srv testServer, o *Options) {
	s := dial(t, srv, "/", o)
	waitTransport(t, s, o.Transports[len(o.Transports)-1])
	// Messages flow both ways after the upgrade.
	for i := range 20 {
		jsonEqual(t, ackValues(t, s, "message-with-ack", i, []byte{byte(i)}), []any{i, []byte{byte(i)}})
	}
}
