package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/duplexio/duplex/bench/fixture"
	"github.com/duplexio/duplex/socketio"
)

// ackFrame is the ack the fixture sends for echo id with payload p.
func ackFrame(id uint64, p []byte) []byte {
	return fmt.Appendf(nil, `3%d["%s"]`, id, p)
}

// TestBurstTrackerAccounting feeds the tracker acks by hand: each id counts
// once, a second ack is a duplicate, a wrong payload or an unknown id is
// corrupt, what never came is lost, and a DISCONNECT before the end fails
// the run.
func TestBurstTrackerAccounting(t *testing.T) {
	t.Parallel()
	tr := newBurstTracker(5)
	tr.startNs = now()
	good := func(id uint64) []byte { return ackFrame(id, appendPayload(nil, id, now(), 0)) }
	tr.onPacket(good(1))
	tr.onPacket(good(2))
	tr.onPacket(good(2))                                      // duplicate
	tr.onPacket(ackFrame(3, appendPayload(nil, 4, now(), 0))) // payload of another id
	tr.onPacket(good(9))                                      // no such id
	tr.onPacket([]byte(`2["echo","x"]`))                      // an event: ignored
	tr.onPacket(ackFrame(4, []byte("short")))                 // corrupt payload
	tr.onPacket([]byte("41"))                                 // DISCONNECT
	if err := tr.wait(time.Minute, func() error { return nil }); err != nil {
		t.Fatalf("wait: %v", err)
	}
	res := tr.result(startMeter(0), nil)
	res.finish()
	want := map[string]uint64{"lost": 3, "duplicate": 1, "corrupt": 3, "disconnected": 1}
	for k, v := range want {
		if res.Checks[k] != v {
			t.Errorf("check %s = %d, want %d (%s)", k, res.Checks[k], v, res.summary())
		}
	}
	if res.Metrics["acked"] != 2 || res.OK {
		t.Errorf("acked %v ok %v, want 2 and not ok: %s", res.Metrics["acked"], res.OK, res.summary())
	}

	// Every ack once: done without a disconnect, events/s measured.
	tr = newBurstTracker(3)
	tr.startNs = now() - int64(time.Millisecond)
	for id := uint64(1); id <= 3; id++ {
		tr.onPacket(good(id))
	}
	if err := tr.wait(time.Minute, func() error { return nil }); err != nil {
		t.Fatalf("wait: %v", err)
	}
	res = tr.result(startMeter(0), nil)
	res.finish()
	if !res.OK || res.Metrics["acked"] != 3 || res.Metrics["events_per_s"] <= 0 {
		t.Errorf("complete burst: %s", res.summary())
	}
}

// inProcessServer serves io on a loopback port for the test's duration.
func inProcessServer(t *testing.T, io *socketio.Server) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", io)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		_ = io.Close()
		srv.Close()
	})
	return srv.URL
}

// TestBurstScenarios runs both burst variants against the bench fixture in
// process: every echo acknowledged once, intact, and the run named by size.
func TestBurstScenarios(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a server")
	}
	io := socketio.NewServer(nil)
	fixture.Register(io)
	url := inProcessServer(t, io)
	for _, scenario := range []string{"burst", "polling-burst"} {
		t.Run(scenario, func(t *testing.T) {
			cfg := config{url: url, events: 500, burstTimeout: time.Minute}
			res, err := run(scenario, cfg)
			if err != nil {
				t.Fatal(err)
			}
			res.finish()
			t.Log(res.summary())
			if !res.OK || res.Metrics["acked"] != 500 || res.Metrics["events_per_s"] <= 0 {
				t.Errorf("not ok: %s", res.summary())
			}
		})
	}
}

// TestBurstDisconnect checks the accounting when the server closes the
// connection in the middle of a burst: the run fails, with the unacked
// events counted as lost and the disconnect reported.
func TestBurstDisconnect(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a server")
	}
	const cut = 100
	io := socketio.NewServer(nil)
	io.OnConnection(func(s *socketio.Socket) {
		s.On("echo", func(p json.RawMessage, ack socketio.AckFunc) {
			var arg string
			_ = json.Unmarshal(p, &arg)
			if seq, _, _, err := parsePayload([]byte(arg)); err == nil && seq >= cut {
				s.Disconnect(true)
				return
			}
			ack(p)
		})
	})
	url := inProcessServer(t, io)
	for _, scenario := range []string{"burst", "polling-burst"} {
		t.Run(scenario, func(t *testing.T) {
			const n = 1000
			res, err := run(scenario, config{url: url, events: n, burstTimeout: time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			res.finish()
			t.Log(res.summary())
			acked := uint64(res.Metrics["acked"])
			if res.OK || res.Checks["disconnected"] != 1 || acked >= cut || res.Checks["lost"] != n-acked {
				t.Errorf("want a failed run with a disconnect, < %d acked and the rest lost: %s", cut, res.summary())
			}
			if len(res.Errors) == 0 {
				t.Error("no error says why the run failed")
			}
		})
	}
}
