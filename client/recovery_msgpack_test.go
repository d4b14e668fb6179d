package client

import (
	"context"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/duplexio/duplex/internal/testtime"
	"github.com/duplexio/duplex/socketio"
)

// TestRecoveryMsgpackValues: with the msgpack parser and the in-memory
// adapter, the broadcasts a client missed come back on recovery with their
// nested values and binaries intact and their offset as the last argument,
// only those for its rooms, and no more than once.
func TestRecoveryMsgpackValues(t *testing.T) {
	t.Parallel()
	for _, mode := range transportModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			testRecoveryMsgpackValues(t, mode.transports)
		})
	}
}

func testRecoveryMsgpackValues(t *testing.T, transports []string) {
	io := socketio.NewServer(&socketio.Options{Parser: socketio.ParserMsgpack,
		ConnectionStateRecovery: &socketio.RecoveryOptions{}})
	sockets := make(chan *socketio.Socket, 2)
	io.OnConnection(func(s *socketio.Socket) { sockets <- s })
	ts := httptest.NewServer(io)
	t.Cleanup(ts.Close)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		_ = io.Shutdown(ctx)
	})

	o := testOptions(transports)
	o.Parser = ParserMsgpack
	// Slow enough for the test to broadcast while the client is away.
	o.ReconnectionDelay, o.ReconnectionDelayMax, o.RandomizationFactor = 500*time.Millisecond, time.Second, -1
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	c, err := Dial(ctx, ts.URL, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Manager().Close() })
	ev := collect(c)
	connects, disconnects := make(chan struct{}, 2), make(chan struct{}, 2)
	c.OnConnect(func() { connects <- struct{}{} })
	c.OnDisconnect(func(string) { disconnects <- struct{}{} })
	s := recv(t, sockets, "connection")
	s.Join("r")

	_ = io.To("r").Emit("m", "before")
	first := ev.next(t, "m")
	if len(first) != 2 || first[0] != "before" {
		t.Fatalf("first broadcast %v: want \"before\" and an offset", first)
	}
	s.Conn().Close()
	recv(t, disconnects, "disconnect")
	testtime.Until(t, "the socket to leave", func() bool { return io.Of("/").Socket(s.ID()) == nil })
	nested := map[string]any{"n": 1.0, "f": 1.5, "list": []any{"two", []any{3.0}, nil}, "yes": true}
	bin := []byte{0, 1, 255}
	_ = io.To("r").Emit("m", "missed", nested, bin, map[string]any{"inner": []any{bin}})
	_ = io.To("elsewhere").Emit("m", "not for c")
	recv(t, connects, "reconnection")

	if !c.Recovered() || c.ID() != s.ID() {
		t.Fatalf("Recovered %v, id %q (was %q)", c.Recovered(), c.ID(), s.ID())
	}
	got := ev.next(t, "m")
	want := []any{"missed", nested, bin, map[string]any{"inner": []any{bin}}}
	if len(got) != 5 || !reflect.DeepEqual(got[:4], want) {
		t.Fatalf("missed broadcast %#v\nwant %#v and an offset", got, want)
	}
	if off, ok := got[4].(string); !ok || off == "" || off == first[1] {
		t.Errorf("offset %#v (first was %v): want a new one", got[4], first[1])
	}
	_ = io.To("r").Emit("m", "after")
	if after := ev.next(t, "m"); after[0] != "after" {
		t.Errorf("after recovery got %v, want \"after\": a broadcast came twice or out of place", after)
	}
}
