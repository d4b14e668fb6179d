package metrics_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/client"
	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/internal/testtime"
	"github.com/duplexio/duplex/metrics"
	"github.com/duplexio/duplex/socketio"
)

// newServer serves a Socket.IO server observed by a new Collector: "echo"
// acknowledges, "boom" panics, "kick" disconnects the socket.
func newServer(t *testing.T) (*metrics.Collector, string) {
	t.Helper()
	c := metrics.New()
	opts := &socketio.Options{}
	c.Instrument(opts)
	io := socketio.NewServer(opts)
	io.OnConnection(func(s *socketio.Socket) {
		s.On("echo", func(args socketio.Args, ack socketio.AckFunc) { ack("ok") })
		s.On("boom", func(socketio.Args) { panic("boom") })
		s.On("kick", func(socketio.Args) { s.Disconnect(false) })
	})
	ts := httptest.NewServer(io)
	t.Cleanup(func() { _ = io.Close(); ts.Close() })
	return c, ts.URL
}

// eventually polls cond until it holds (testtime.Until).
var eventually = testtime.Until

// TestCollectorWorkload runs a known workload over both transports and an
// upgrade, then reads every metric it moves.
func TestCollectorWorkload(t *testing.T) {
	t.Parallel()
	c, url := newServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), testtime.Wait)
	defer cancel()
	const events = 3
	kinds := [][]string{{"polling"}, {"polling"}, {"websocket"}, {"websocket"}, nil} // nil: polling, then the upgrade
	var socks []*client.Socket
	for _, tr := range kinds {
		s, err := client.Dial(ctx, url, &client.Options{Transports: tr})
		if err != nil {
			t.Fatal(err)
		}
		socks = append(socks, s)
		for range events {
			if _, err := s.EmitWithAck(ctx, "echo", "hi"); err != nil {
				t.Fatal(err)
			}
		}
	}
	eventually(t, "the upgrade", func() bool { return value(t, c, "duplex_engine_upgrades_total", "ok") == 1 })
	sessions := func(tr string) float64 { return value(t, c, "duplex_engine_sessions", tr) }
	if p, w := sessions("polling"), sessions("websocket"); p != 2 || w != 3 {
		t.Errorf("sessions: polling %v websocket %v, want 2 and 3", p, w)
	}
	if n := value(t, c, "duplex_sockets", "/"); n != 5 {
		t.Errorf("duplex_sockets{namespace=/} = %v, want 5", n)
	}

	// A panic, then an ack from the same socket: its dispatcher ran both.
	_ = socks[0].Emit("boom")
	if _, err := socks[0].EmitWithAck(ctx, "echo", "after"); err != nil {
		t.Fatal(err)
	}
	_ = socks[4].Emit("kick")
	eventually(t, "the kick", func() bool {
		return value(t, c, "duplex_socket_disconnections_total", "/", socketio.ReasonServerDisconnect) == 1
	})
	for _, s := range socks {
		_ = s.Close()
	}
	eventually(t, "the sessions to close", func() bool { return sessions("polling")+sessions("websocket") == 0 })
	eventually(t, "the sockets to disconnect", func() bool { return value(t, c, "duplex_sockets", "/") == 0 })

	want := map[string]float64{
		"duplex_engine_sessions_opened_total": 5,
		"duplex_engine_sessions_closed_total": 5,
		"duplex_socket_connections_total":     5,
		"duplex_socket_disconnections_total":  5,
		"duplex_handler_panics_total":         1,
		"duplex_engine_upgrades_total":        1,
		"duplex_socket_events_in_total":       5*events + 3, // and boom, echo after, kick
	}
	for name, n := range want {
		if got := sum(t, c, name); got != n {
			t.Errorf("%s = %v, want %v", name, got, n)
		}
	}
	if n := value(t, c, "duplex_socket_disconnections_total", "/", socketio.ReasonClientDisconnect); n != 4 {
		t.Errorf("client disconnections %v, want 4", n)
	}
	// Each client: the CONNECT and its events in; the CONNECT answer and
	// the acks out (and the engine's own packets are not messages).
	in := value(t, c, "duplex_engine_messages_in_total")
	out := value(t, c, "duplex_engine_messages_out_total")
	if minIn := float64(5*(1+events) + 3); in < minIn {
		t.Errorf("messages in %v, want at least %v", in, minIn)
	}
	if minOut := float64(5*(1+events) + 1); out < minOut {
		t.Errorf("messages out %v, want at least %v", out, minOut)
	}
	if value(t, c, "duplex_engine_bytes_in_total") <= in || value(t, c, "duplex_engine_bytes_out_total") <= out {
		t.Error("bytes in or out not above one per message")
	}
}

// value is the metric name with the label values given in the order of
// the label names sorted (as the registry sorts them).
func value(t *testing.T, c prometheus.Collector, name string, labels ...string) float64 {
	t.Helper()
	for _, m := range gather(t, c, name) {
		lv := []string{}
		for _, l := range m.GetLabel() {
			lv = append(lv, l.GetValue())
		}
		if strings.Join(lv, "\x00") == strings.Join(labels, "\x00") {
			return m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return 0
}

func gather(t *testing.T, c prometheus.Collector, name string) []*dto.Metric {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()
		}
	}
	return nil
}

// sum adds up every series of the metric name.
func sum(t *testing.T, c prometheus.Collector, name string) float64 {
	t.Helper()
	total := 0.0
	for _, m := range gather(t, c, name) {
		total += m.GetCounter().GetValue() + m.GetGauge().GetValue()
	}
	return total
}

// TestCollectorRefusalsAndSlowConsumer: a handshake of the wrong protocol
// version is counted by status and code; a volatile message that cannot go
// at once is dropped; a session whose write queue overflows is a slow
// consumer.
func TestCollectorRefusalsAndSlowConsumer(t *testing.T) {
	t.Parallel()
	c := metrics.New()
	srv := engineio.NewServer(&engineio.Options{MaxWriteQueueBytes: 1024, Observer: c}, func(s *engineio.Session) engineio.Receiver {
		// Dropped: the OPEN packet is still queued.
		_ = s.WriteVolatile(engineio.Message{Data: []byte("volatile")})
		_ = s.Write(engineio.Message{Data: make([]byte, 4096)})
		return nopReceiver{}
	})
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()); ts.Close() })

	for _, eio := range []string{"3", "4"} {
		resp, err := http.Get(ts.URL + "/?EIO=" + eio + "&transport=polling")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if n := value(t, c, "duplex_engine_handshakes_refused_total", engineio.RefusedVersion, "5", "400"); n != 1 {
		t.Errorf("refused{unsupported_version,400,5} = %v, want 1", n)
	}
	eventually(t, "the slow consumer", func() bool {
		return value(t, c, "duplex_engine_slow_consumer_disconnects_total") == 1
	})
	if n := value(t, c, "duplex_engine_sessions_closed_total", engineio.ReasonTransportError); n != 1 {
		t.Errorf("closed{transport error} = %v, want 1", n)
	}
	if n := value(t, c, "duplex_engine_messages_dropped_total"); n != 1 {
		t.Errorf("dropped %v, want 1", n)
	}
	if problems, err := testutil.CollectAndLint(c); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", problems, err)
	}
}

type nopReceiver struct{}

func (nopReceiver) OnMessage([]byte, bool) {}
func (nopReceiver) OnClose(string, error)  {}

// TestCollectorEventsBroadcastsAcks: events in and out, a broadcast to
// every socket, an acknowledgement that times out and a recovery that
// fails, on a server recovering connection states.
func TestCollectorEventsBroadcastsAcks(t *testing.T) {
	t.Parallel()
	c := metrics.New()
	opts := &socketio.Options{ConnectionStateRecovery: &socketio.RecoveryOptions{}}
	c.Instrument(opts)
	io := socketio.NewServer(opts)
	io.OnConnection(func(s *socketio.Socket) {
		s.On("echo", func(args socketio.Args, ack socketio.AckFunc) { ack("ok") })
		// The client has no "question" handler: the acks never come.
		s.On("ask", func(socketio.Args) {
			_ = s.Timeout(100*time.Millisecond).Emit("question", func(error) {})
			_ = s.Emit("question", func() {})
		})
	})
	ts := httptest.NewServer(io)
	t.Cleanup(func() { _ = io.Close(); ts.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), testtime.Wait)
	defer cancel()

	const clients = 3
	var socks []*client.Socket
	for i := range clients {
		o := &client.Options{}
		if i == 0 { // a session the server does not know
			o.Auth = map[string]string{"pid": "unknown", "offset": "unknown"}
		}
		s, err := client.Dial(ctx, ts.URL, o)
		if err != nil {
			t.Fatal(err)
		}
		socks = append(socks, s)
		t.Cleanup(func() { _ = s.Close() })
		if _, err := s.EmitWithAck(ctx, "echo", i); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			_ = s.Emit("ask")
		}
	}
	if err := io.Emit("news", "hello"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the ack timeout", func() bool { return value(t, c, "duplex_ack_timeouts_total", "/") == 1 })
	eventually(t, "the events out", func() bool { return value(t, c, "duplex_socket_events_out_total", "/") == clients+2 })
	// The ack without a timeout waits until its socket goes.
	if n := value(t, c, "duplex_acks_pending", "/"); n != 1 {
		t.Errorf("acks pending %v, want 1", n)
	}
	if n := value(t, c, "duplex_socket_events_in_total", "/"); n != clients+1 {
		t.Errorf("events in %v, want %d", n, clients+1)
	}
	if n := value(t, c, "duplex_broadcasts_total", "/"); n != 1 {
		t.Errorf("broadcasts %v, want 1", n)
	}
	if n := value(t, c, "duplex_recoveries_total", "/", "failed"); n != 1 {
		t.Errorf("failed recoveries %v, want 1", n)
	}
	for _, s := range socks {
		_ = s.Close()
	}
	eventually(t, "no acks pending", func() bool { return value(t, c, "duplex_acks_pending", "/") == 0 })
}

// TestCollectorDynamicNamespaces: the children of a dynamic namespace,
// which clients name, share one label value.
func TestCollectorDynamicNamespaces(t *testing.T) {
	t.Parallel()
	c := metrics.New()
	opts := &socketio.Options{}
	c.Instrument(opts)
	io := socketio.NewServer(opts)
	io.OfFunc(func(name string, _ json.RawMessage) bool { return strings.HasPrefix(name, "/room-") })
	ts := httptest.NewServer(io)
	t.Cleanup(func() { _ = io.Close(); ts.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), testtime.Wait)
	defer cancel()
	for _, nsp := range []string{"/room-1", "/room-2"} {
		s, err := client.Dial(ctx, ts.URL+nsp, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
	}
	eventually(t, "two sockets", func() bool { return value(t, c, "duplex_sockets", socketio.DynamicNamespace) == 2 })
	if n := len(gather(t, c, "duplex_socket_connections_total")); n != 1 {
		t.Errorf("%d series of duplex_socket_connections_total, want 1", n)
	}
}

// TestCollectorCluster: the outcomes of cluster requests and the broker's
// refusals.
func TestCollectorCluster(t *testing.T) {
	t.Parallel()
	c := metrics.New()
	c.Requested("fetchSockets", nil)
	c.Requested("fetchSockets", fmt.Errorf("%w: 1 of 2 nodes answered", adapter.ErrTimeout))
	c.Requested("allRooms", errors.New("broker down"))
	c.PublishFailed()
	for _, tc := range []struct {
		outcome, what string
	}{{"ok", "fetchSockets"}, {"timeout", "fetchSockets"}, {"error", "allRooms"}} {
		if n := value(t, c, "duplex_adapter_requests_total", tc.outcome, tc.what); n != 1 {
			t.Errorf("requests{%s,%s} = %v, want 1", tc.what, tc.outcome, n)
		}
	}
	if n := value(t, c, "duplex_adapter_publish_failures_total"); n != 1 {
		t.Errorf("publish failures %v, want 1", n)
	}
}
