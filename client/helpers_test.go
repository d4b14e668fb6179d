package client

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"reflect"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testOptions are client options fit for tests: the transports of a mode
// and fast reconnection.
func testOptions(transports []string) *Options {
	o := &Options{
		Transports:           transports,
		Timeout:              testTimeout,
		ReconnectionDelay:    50 * time.Millisecond,
		ReconnectionDelayMax: 200 * time.Millisecond,
	}
	if os.Getenv("CLIENT_DEBUG") != "" {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return o
}

// dial connects to nsp on srv and closes the socket's Manager at the end
// of the test.
func dial(t testing.TB, srv testServer, nsp string, o *Options) *Socket {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	s, err := Dial(ctx, srv.URL()+nsp, o)
	if err != nil {
		t.Fatalf("Dial %s%s: %v", srv.URL(), nsp, err)
	}
	t.Cleanup(func() { _ = s.Manager().Close() })
	return s
}

// connect creates a Manager for srv, lets setup register listeners on
// the socket of nsp, connects it, and closes the Manager at the end of the
// test: unlike dial, no event of the connection is missed.
func connect(t testing.TB, srv testServer, nsp string, o *Options, setup func(s *Socket)) *Socket {
	t.Helper()
	m, err := NewManager(srv.URL(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	s := m.Socket(nsp, nil)
	setup(s)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := s.Connect(ctx); err != nil {
		t.Fatalf("Connect %s%s: %v", srv.URL(), nsp, err)
	}
	return s
}

// events collects the arguments of every event of a socket, decoded as
// JSON values ([]byte for binary), by name.
type events struct {
	ch chan event
}

type event struct {
	name string
	args []any
}

func collect(s *Socket) *events {
	ev := &events{ch: make(chan event, 256)}
	s.OnAny(func(name string, args Args) {
		v, err := args.Values()
		if err != nil {
			v = []any{"decode error: " + err.Error()}
		}
		ev.ch <- event{name, v}
	})
	return ev
}

// next returns the arguments of the next event called name, skipping
// others.
func (ev *events) next(t testing.TB, name string) []any {
	t.Helper()
	timer := time.NewTimer(testTimeout)
	defer timer.Stop()
	for {
		select {
		case e := <-ev.ch:
			if e.name == name {
				return e.args
			}
		case <-timer.C:
			t.Fatalf("no %q event in %v", name, testTimeout)
			return nil
		}
	}
}

// recv waits for a value on ch.
func recv[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(testTimeout):
		t.Fatalf("timed out waiting for %s", what)
		var zero T
		return zero
	}
}

// ackValues sends an event with an ack and returns the ack's values.
func ackValues(t testing.TB, s *Socket, event string, args ...any) []any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	a, err := s.EmitWithAck(ctx, event, args...)
	if err != nil {
		t.Fatalf("EmitWithAck(%q): %v", event, err)
	}
	v, err := a.Values()
	if err != nil {
		t.Fatalf("ack values: %v", err)
	}
	return v
}

// jsonEqual compares values after a JSON round trip, so that 1 and 1.0,
// or a struct and its map, compare equal; []byte is compared as is.
func jsonEqual(t testing.TB, got, want any) {
	t.Helper()
	if reflect.DeepEqual(got, want) {
		return
	}
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Fatalf("got %s, want %s", g, w)
	}
}

// forEachServer runs fn against every server kind and transport mode,
// one fixture server per kind.
func forEachServer(t *testing.T, o fixtureOptions, fn func(t *testing.T, srv testServer, transports []string)) {
	for _, kind := range serverKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			srv := kind.start(t, o)
			for _, mode := range transportModes {
				t.Run(mode.name, func(t *testing.T) {
					fn(t, srv, mode.transports)
				})
			}
		})
	}
}
