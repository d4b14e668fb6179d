package metrics_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/duplexio/duplex/client"
	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/internal/eiotest"
	"github.com/duplexio/duplex/internal/testtime"
	"github.com/duplexio/duplex/metrics"
	"github.com/duplexio/duplex/socketio"
)

// TestCollectorUpgradeDropped: a WebSocket that probes a polling session
// with a message instead of "2probe" is dropped, and counted so.
func TestCollectorUpgradeDropped(t *testing.T) {
	t.Parallel()
	c := metrics.New()
	srv := engineio.NewServer(&engineio.Options{Observer: c}, func(*engineio.Session) engineio.Receiver { return nopReceiver{} })
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()); ts.Close() })
	conn := eiotest.Dial(t, ts.URL+"/engine.io/", eiotest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), testtime.Wait)
	defer cancel()
	ws, err := eiotest.DialWS(ctx, strings.Replace(conn.URL(engineio.TransportWebSocket), "http", "ws", 1), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if err := ws.WriteText("4hello"); err != nil {
		t.Fatal(err)
	}
	<-ws.Closed()
	eventually(t, "the dropped upgrade", func() bool { return value(t, c, "duplex_engine_upgrades_total", "dropped") == 1 })
	if n := value(t, c, "duplex_engine_upgrades_total", "ok"); n != 0 {
		t.Errorf("upgrades{ok} = %v, want 0", n)
	}
	if n := value(t, c, "duplex_engine_sessions", engineio.TransportPolling); n != 1 {
		t.Errorf("polling sessions %v, want 1: the session stays", n)
	}
}

// TestCollectorRecovered: a client whose connection the server cut
// reconnects with its session's pid and offset, and recovers it.
func TestCollectorRecovered(t *testing.T) {
	t.Parallel()
	c := metrics.New()
	opts := &socketio.Options{ConnectionStateRecovery: &socketio.RecoveryOptions{}}
	c.Instrument(opts)
	io := socketio.NewServer(opts)
	recovered := make(chan bool, 2)
	io.OnConnection(func(s *socketio.Socket) {
		recovered <- s.Recovered()
		if !s.Recovered() {
			s.On("start", func() { _ = s.Emit("hello") }) // an offset for the client to resume from
			s.On("cut", func() { s.Conn().Close() })
		}
	})
	ts := httptest.NewServer(io)
	t.Cleanup(func() { _ = io.Close(); ts.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), testtime.Wait)
	defer cancel()
	hello := make(chan struct{}, 1)
	s, err := client.Dial(ctx, ts.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	s.On("hello", func() { hello <- struct{}{} })
	_ = s.Emit("start")
	select {
	case <-hello:
	case <-ctx.Done():
		t.Fatal("no hello")
	}
	_ = s.Emit("cut")
	for _, want := range []bool{false, true} {
		select {
		case got := <-recovered:
			if got != want {
				t.Fatalf("Recovered() %v, want %v", got, want)
			}
		case <-ctx.Done():
			t.Fatal("no reconnection")
		}
	}
	if n := value(t, c, "duplex_recoveries_total", "/", "recovered"); n != 1 {
		t.Errorf("recoveries{recovered} = %v, want 1", n)
	}
	if n := value(t, c, "duplex_recoveries_total", "/", "failed"); n != 0 {
		t.Errorf("recoveries{failed} = %v, want 0", n)
	}
}
