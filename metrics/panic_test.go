package metrics_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/duplexio/duplex/adapter/natsadapter"
	"github.com/duplexio/duplex/client"
	"github.com/duplexio/duplex/internal/testservice"
	"github.com/duplexio/duplex/internal/testtime"
	"github.com/duplexio/duplex/metrics"
	"github.com/duplexio/duplex/socketio"
)

// TestCollectorPanicsEverywhere makes every kind of user code panic once
// and reads each panic back by namespace and kind; the server keeps
// serving the client that caused them.
func TestCollectorPanicsEverywhere(t *testing.T) {
	t.Parallel()
	c := metrics.New()
	opts := &socketio.Options{}
	c.Instrument(opts)
	io := socketio.NewServer(opts)
	io.OfFunc(func(name string, _ json.RawMessage) bool { panic("match") })
	io.Of("/mw").Use(func(*socketio.Socket) error { panic("namespace middleware") })
	io.Of("/conn").OnConnection(func(*socketio.Socket) { panic("connection") })
	io.OnConnection(func(s *socketio.Socket) {
		s.Use(func(event string, _ socketio.Args) error {
			if event == "guarded" {
				panic("packet middleware")
			}
			return nil
		})
		s.On("boom", func(socketio.Args) { panic("event") })
		s.On("ask", func(socketio.Args) {
			_ = s.Emit("question", func(socketio.Args) { panic("ack") })
		})
		s.On("ask-all", func(socketio.Args) {
			_ = io.Timeout(testtime.Wait).Emit("question", func(error, []socketio.Args) { panic("broadcast ack") })
		})
		s.OnDisconnect(func(string) { panic("disconnect") })
		s.On("echo", func(_ socketio.Args, ack socketio.AckFunc) { ack("ok") })
	})
	ts := httptest.NewServer(io)
	t.Cleanup(func() { _ = io.Close(); ts.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), testtime.Wait)
	defer cancel()

	for _, nsp := range []string{"/dynamic", "/mw"} {
		if s, err := client.Dial(ctx, ts.URL+nsp, &client.Options{DisableReconnection: true}); err == nil {
			_ = s.Close()
			t.Fatalf("%s: connected, want a refusal", nsp)
		}
	}
	conn, err := client.Dial(ctx, ts.URL+"/conn", nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = conn.Close()

	s, err := client.Dial(ctx, ts.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.On("question", func(_ client.Args, ack client.AckFunc) { ack("answer") })
	for _, e := range []string{"guarded", "boom", "ask", "ask-all"} {
		_ = s.Emit(e)
	}
	if _, err := s.EmitWithAck(ctx, "echo"); err != nil {
		t.Fatalf("the client after the panics: %v", err)
	}
	eventually(t, "the ack panics", func() bool {
		return value(t, c, "duplex_handler_panics_total", socketio.PanicAck, "/")+
			value(t, c, "duplex_handler_panics_total", socketio.PanicBroadcastAck, "/") == 2
	})
	_ = s.Close()
	eventually(t, "the disconnect panic", func() bool {
		return value(t, c, "duplex_handler_panics_total", socketio.PanicDisconnect, "/") == 1
	})

	for _, tc := range []struct{ kind, nsp string }{
		{socketio.PanicMatch, socketio.DynamicNamespace},
		{socketio.PanicMiddleware, "/mw"},
		{socketio.PanicConnection, "/conn"},
		{socketio.PanicMiddleware, "/"},
		{socketio.PanicEvent, "/"},
		{socketio.PanicAck, "/"},
		{socketio.PanicBroadcastAck, "/"},
		{socketio.PanicDisconnect, "/"},
	} {
		if n := value(t, c, "duplex_handler_panics_total", tc.kind, tc.nsp); n != 1 {
			t.Errorf("panics{kind=%s,namespace=%s} = %v, want 1", tc.kind, tc.nsp, n)
		}
	}
}

// TestCollectorServerSidePanic: a handler of another node's server-side
// event panics, on a two-node NATS cluster of the test's own.
func TestCollectorServerSidePanic(t *testing.T) {
	t.Parallel()
	srv := testservice.StartNATS(t)
	c := metrics.New()
	var nodes []*socketio.Server
	for i := range 2 {
		nc, err := natsadapter.Dial(srv.URL())
		if err != nil {
			t.Fatal(err)
		}
		b := natsadapter.New(nc, &natsadapter.Options{Prefix: "panic", Observer: c})
		t.Cleanup(func() { _ = b.Close(); nc.Close() })
		opts := &socketio.Options{Adapter: b.Adapter}
		if i == 0 {
			c.Instrument(opts)
		}
		io := socketio.NewServer(opts)
		t.Cleanup(func() { _ = io.Close() })
		nodes = append(nodes, io)
	}
	nodes[0].Of("/").OnServerSideEmit("reload", func() { panic("server-side") })
	// Until the first node hears it: its subscription may reach NATS
	// after the second node's first publish.
	eventually(t, "the server-side panic", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := nodes[1].ServerSideEmit(ctx, "reload"); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			t.Fatal(err)
		}
		return value(t, c, "duplex_handler_panics_total", socketio.PanicServerSide, "/") >= 1
	})
}
