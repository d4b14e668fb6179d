package client

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	t.Parallel()
	b := &backoff{min: time.Second, max: 5 * time.Second}
	want := []time.Duration{1, 2, 4, 5, 5, 5}
	for i, w := range want {
		if got := b.duration(); got != w*time.Second {
			t.Errorf("attempt %d: %v, want %v", i, got, w*time.Second)
		}
	}
	for range 100 { // far past any overflow
		if got := b.duration(); got != 5*time.Second {
			t.Fatalf("late attempt: %v", got)
		}
	}
	j := &backoff{min: time.Second, max: time.Hour, jitter: 0.5}
	for i := range 10 {
		base := time.Second << i
		if got := j.duration(); got < base/2 || got > base*3/2 {
			t.Errorf("attempt %d: %v outside [%v, %v]", i, got, base/2, base*3/2)
		}
	}
}

// TestReconnectAfterRestart stops the server, emits while it is down, and
// starts it again on the same port: the socket reconnects by itself, with
// a fresh auth payload, and the buffered emits (not the volatile one) are
// delivered.
func TestReconnectAfterRestart(t *testing.T) {
	t.Parallel()
	for _, kind := range serverKinds {
		for _, mode := range transportModes {
			t.Run(kind.name+"/"+mode.name, func(t *testing.T) {
				t.Parallel()
				srv := kind.start(t, fixtureOptions{})
				testRestart(t, srv, testOptions(mode.transports))
			})
		}
	}
}

func testRestart(t *testing.T, srv testServer, o *Options) {
	var authCalls atomic.Int32
	o.AuthFunc = func(context.Context) (any, error) {
		return map[string]any{"n": authCalls.Add(1)}, nil
	}
	attempts, reconnects := make(chan int, 1000), make(chan int, 10)
	disconnects, connects := make(chan string, 10), make(chan struct{}, 10)
	var ev *events
	s := connect(t, srv, "/", o, func(s *Socket) {
		m := s.Manager()
		m.OnReconnectAttempt(func(n int) { attempts <- n })
		m.OnReconnect(func(n int) { reconnects <- n })
		s.OnDisconnect(func(reason string) { disconnects <- reason })
		s.OnConnect(func() { connects <- struct{}{} })
		ev = collect(s)
	})
	recv(t, connects, "connect")
	jsonEqual(t, ev.next(t, "auth"), []any{map[string]any{"n": 1}})

	srv.Stop()
	if r := recv(t, disconnects, "disconnect"); r != ReasonTransportClose && r != ReasonTransportError {
		t.Errorf("disconnect reason %q", r)
	}
	if err := s.Emit("message", "buffered", 1); err != nil {
		t.Fatalf("Emit while disconnected: %v", err)
	}
	if err := s.Volatile().Emit("message", "volatile"); err != nil {
		t.Fatalf("volatile Emit while disconnected: %v", err)
	}
	acked := make(chan string, 1)
	if err := s.Emit("message-with-ack", "acked", func(v string) { acked <- v }); err != nil {
		t.Fatal(err)
	}
	if n := recv(t, attempts, "reconnect_attempt"); n != 1 {
		t.Errorf("first attempt numbered %d", n)
	}
	srv.Start(t)
	recv(t, connects, "connect")
	if n := recv(t, reconnects, "reconnect"); n < 1 {
		t.Errorf("reconnect after %d attempts", n)
	}
	jsonEqual(t, ev.next(t, "auth"), []any{map[string]any{"n": 2}})
	jsonEqual(t, ev.next(t, "message-back"), []any{"buffered", 1})
	if v := recv(t, acked, "ack of a buffered emit"); v != "acked" {
		t.Errorf("ack %q", v)
	}
	if err := s.Emit("message", "after"); err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, ev.next(t, "message-back"), []any{"after"}) // not "volatile"
}

func TestReconnectFailed(t *testing.T) {
	t.Parallel()
	srv := startGo(t, fixtureOptions{})
	o := testOptions(nil)
	o.ReconnectionAttempts = 2
	s := dial(t, srv, "/", o)
	m := s.Manager()
	attempts, failed, errs := make(chan int, 10), make(chan struct{}, 1), make(chan error, 10)
	m.OnReconnectAttempt(func(n int) { attempts <- n })
	m.OnReconnectError(func(err error) { errs <- err })
	m.OnReconnectFailed(func() { failed <- struct{}{} })
	waits := make(chan error, 1)
	go func() {
		_, err := s.EmitWithAck(context.Background(), "void")
		waits <- err
	}()
	time.Sleep(50 * time.Millisecond) // let the emit leave
	srv.Stop()
	recv(t, failed, "reconnect_failed")
	if len(attempts) != 2 || len(errs) != 2 {
		t.Errorf("%d attempts, %d errors, want 2 of each", len(attempts), len(errs))
	}
	if err := recv(t, waits, "EmitWithAck"); !errors.Is(err, ErrDisconnected) {
		t.Errorf("pending EmitWithAck: %v, want ErrDisconnected", err)
	}
	if s.Active() {
		t.Error("socket still active after reconnect_failed")
	}
	if err := s.Emit("message"); !errors.Is(err, ErrDisconnected) {
		t.Errorf("Emit: %v, want ErrDisconnected", err)
	}
	// Connect works again once the server is back.
	srv.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := s.Connect(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestNoReconnection(t *testing.T) {
	t.Parallel()
	srv := startGo(t, fixtureOptions{})
	o := testOptions(nil)
	o.DisableReconnection = true
	s := dial(t, srv, "/", o)
	reasons := make(chan string, 1)
	s.OnDisconnect(func(r string) { reasons <- r })
	if err := s.Emit("drop-transport"); err != nil {
		t.Fatal(err)
	}
	recv(t, reasons, "disconnect")
	if s.Active() {
		t.Error("socket active without reconnection")
	}
	if err := s.Emit("message"); !errors.Is(err, ErrDisconnected) {
		t.Errorf("Emit: %v, want ErrDisconnected", err)
	}
}

func TestSendBufferLimits(t *testing.T) {
	t.Parallel()
	m, err := NewManager("http://127.0.0.1:1", &Options{SendBuffer: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s := m.Socket("/", nil)
	// Never connected: buffered, as socket.io-client does.
	for range 2 {
		if err := s.Emit("x"); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Emit("x"); !errors.Is(err, ErrBufferFull) {
		t.Errorf("third Emit: %v, want ErrBufferFull", err)
	}
	if err := s.Volatile().Emit("x"); err != nil {
		t.Errorf("volatile Emit: %v, want it dropped silently", err)
	}
	if err := s.Emit("connect"); !errors.Is(err, ErrReservedEvent) {
		t.Errorf("reserved event: %v", err)
	}
	nobuf, err := NewManager("http://127.0.0.1:1", &Options{SendBuffer: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer nobuf.Close()
	if err := nobuf.Socket("/", nil).Emit("x"); !errors.Is(err, ErrDisconnected) {
		t.Errorf("Emit without buffer: %v, want ErrDisconnected", err)
	}
	// A buffered emit's ack times out, and the packet goes with it.
	errs := make(chan error, 1)
	s2 := m.Socket("/other", nil)
	if err := s2.Timeout(50*time.Millisecond).Emit("x", func(err error) { errs <- err }); err != nil {
		t.Fatal(err)
	}
	if err := recv(t, errs, "timeout"); !errors.Is(err, ErrAckTimeout) {
		t.Errorf("ack error %v", err)
	}
	s2.mu.Lock()
	n := len(s2.sendBuf)
	s2.mu.Unlock()
	if n != 0 {
		t.Errorf("%d packets left in the buffer after the timeout", n)
	}
}
