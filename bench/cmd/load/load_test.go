package main

import (
	"bufio"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestPayloadRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		seq  uint64
		ns   int64
		room int
	}{{0, 0, 0}, {1, 123456789, 9}, {1<<63 + 5, 1<<62 - 1, 255}} {
		p := appendPayload(nil, tc.seq, tc.ns, tc.room)
		if len(p) != payloadLen {
			t.Fatalf("len %d, want %d", len(p), payloadLen)
		}
		seq, ns, room, err := parsePayload(p)
		if err != nil || seq != tc.seq || ns != tc.ns || room != tc.room {
			t.Errorf("parsePayload(%q) = %d, %d, %d, %v; want %d, %d, %d", p, seq, ns, room, err, tc.seq, tc.ns, tc.room)
		}
	}
}

func TestPayloadCorruption(t *testing.T) {
	t.Parallel()
	good := appendPayload(nil, 42, 1000, 3)
	for i := range good {
		bad := append([]byte(nil), good...)
		bad[i] ^= 0x01
		if _, _, _, err := parsePayload(bad); err == nil {
			// A flipped hex digit may still be a valid digit: only the
			// filler, derived from the sequence number, must catch it then.
			seq, ns, room, _ := parsePayload(bad)
			if seq == 42 && ns == 1000 && room == 3 {
				t.Errorf("byte %d flipped: corruption not detected", i)
			}
		}
	}
	if _, _, _, err := parsePayload(good[:63]); err == nil {
		t.Error("short payload accepted")
	}
}

func TestEventAndAckFrames(t *testing.T) {
	t.Parallel()
	if got, want := string(appendEvent(nil, 0, "room", []byte("r1"), []byte("p"))), `42["room","r1","p"]`; got != want {
		t.Errorf("appendEvent = %s, want %s", got, want)
	}
	if got, want := string(appendEvent(nil, 17, "echo", []byte("p"))), `4217["echo","p"]`; got != want {
		t.Errorf("appendEvent = %s, want %s", got, want)
	}
	if arg, ok := eventArg([]byte(`2["broadcast","xyz","1700000000000-0"]`), "broadcast"); !ok || string(arg) != "xyz" {
		t.Errorf("with an offset: %q %v", arg, ok)
	}
	if arg, ok := eventArg([]byte(`2["broadcast","xyz"]`), "broadcast"); !ok || string(arg) != "xyz" {
		t.Errorf("eventArg = %q, %v", arg, ok)
	}
	for _, bad := range []string{`2["room","xyz"]`, `2["broadcast",1]`, `3["broadcast","x"]`, `2["broadcast","x","y"`} {
		if _, ok := eventArg([]byte(bad), "broadcast"); ok {
			t.Errorf("eventArg(%s) accepted", bad)
		}
	}
	if id, arg, ok := ackArg([]byte(`3123["abc"]`)); !ok || id != 123 || string(arg) != "abc" {
		t.Errorf("ackArg = %d, %q, %v", id, arg, ok)
	}
	if _, _, ok := ackArg([]byte(`3["abc"]`)); ok {
		t.Error("ackArg accepted an ack without id")
	}
}

func TestStream(t *testing.T) {
	t.Parallel()
	var s stream
	for _, seq := range []uint64{0, 1, 1, 3, 2, 4} {
		s.observe(seq)
	}
	s.finish(7)
	// 1 and 2 arrive twice (2 after 3 counts as a duplicate: it came late),
	// 2 counts as lost when 3 arrived, and 5, 6 never arrive.
	if s.delivered != 4 || s.dup != 2 || s.lost != 3 {
		t.Errorf("delivered %d dup %d lost %d, want 4, 2, 3", s.delivered, s.dup, s.lost)
	}
}

func TestHistogramQuantiles(t *testing.T) {
	t.Parallel()
	var h histogram
	for i := 1; i <= 1000; i++ {
		h.record(time.Duration(i) * time.Microsecond)
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Microsecond}, {0.99, 990 * time.Microsecond}, {1, 1000 * time.Microsecond}} {
		got := h.quantile(tc.q)
		if d := float64(got-tc.want) / float64(tc.want); d < -0.04 || d > 0.04 {
			t.Errorf("quantile(%v) = %v, want %v ±4%%", tc.q, got, tc.want)
		}
	}
	var o histogram
	o.record(time.Second)
	h.merge(&o)
	if h.n != 1001 || h.quantile(1) != time.Second {
		t.Errorf("after merge: n %d, max %v", h.n, h.quantile(1))
	}
	var empty histogram
	if empty.quantile(0.5) != 0 {
		t.Error("empty histogram quantile not 0")
	}
}

func TestBucketsMonotonic(t *testing.T) {
	t.Parallel()
	prev := -1
	for ns := int64(0); ns < 1<<40; ns = ns*9/8 + 1 {
		b := bucketOf(ns)
		if b < prev {
			t.Fatalf("bucketOf(%d) = %d < %d", ns, b, prev)
		}
		if v := bucketValue(b); float64(v) < float64(ns)*0.96 || float64(v) > float64(ns)*1.04+1 {
			t.Fatalf("bucketValue(bucketOf(%d)) = %d", ns, v)
		}
		prev = b
	}
}

// startTestServer builds test/testserver and runs its bench fixture on
// a free loopback port, returning its base URL and process id.
func startTestServer(t *testing.T) (string, int) {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "testserver")
	build := exec.Command("go", "build", "-o", bin, "github.com/duplexio/duplex/test/testserver")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build testserver: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-fixture", "bench")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
				lines <- u
			}
		}
	}()
	select {
	case u := <-lines:
		return u, cmd.Process.Pid
	case <-time.After(30 * time.Second):
		t.Fatal("testserver did not start")
		return "", 0
	}
}

// TestScenarios runs the WebSocket scenarios briefly against the Duplex
// bench fixture: every delivery must be checked and none fail.
func TestScenarios(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a server")
	}
	url, pid := startTestServer(t)
	for _, tc := range []struct {
		scenario string
		clients  int
		metric   string
	}{
		{"echo", 20, "acks_per_s"},
		{"fanout", 100, "deliveries_per_s"},
		{"rooms", 100, "deliveries_per_s"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			cfg := config{url: url, pid: pid, clients: tc.clients, rooms: 5, window: 8,
				warmup: 200 * time.Millisecond, duration: 500 * time.Millisecond}
			res, err := run(tc.scenario, cfg)
			if err != nil {
				t.Fatal(err)
			}
			res.finish()
			t.Log(res.summary())
			if !res.OK {
				t.Errorf("not ok: %s", res.summary())
			}
			if res.Metrics[tc.metric] <= 0 {
				t.Errorf("%s = %v: %s", tc.metric, res.Metrics[tc.metric], res.summary())
			}
			pollerMu.Lock()
			defer pollerMu.Unlock()
			if poller != nil {
				t.Error("poller left open after the scenario")
			}
		})
	}
}
