package socketio_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/metrics"
	"github.com/duplexio/duplex/socketio"
)

// observed is the benchmarks' options with, when on, a metrics.Collector
// observing the server: the cost of metrics is the difference between the
// metrics=off and metrics=on runs.
func observed(o *socketio.Options, on bool) *socketio.Options {
	if on {
		metrics.New().Instrument(o)
	}
	return o
}

var metricsModes = []struct {
	name string
	on   bool
}{{"metrics=off", false}, {"metrics=on", true}}

// rawClient is a WebSocket client reduced to what a broadcast benchmark
// needs: it joins "/" and then only counts the bytes it receives, without
// allocating, so that the allocations measured are the server's.
type rawClient struct {
	conn    net.Conn
	n       atomic.Int64
	want    atomic.Int64  // waitDelivered's target, 0 when none
	reached chan struct{} // signalled once n reaches want
	done    chan struct{}
}

func (c *rawClient) Write(p []byte) (int, error) {
	n := c.n.Add(int64(len(p)))
	if w := c.want.Load(); w > 0 && n >= w {
		select {
		case c.reached <- struct{}{}:
		default:
		}
	}
	return len(p), nil
}

// dialRaw connects a raw WebSocket client to "/" with the JSON parser.
func dialRaw(tb testing.TB, addr string) *rawClient {
	return dialRawParser(tb, addr, socketio.ParserJSON)
}

// readFrame reads one unmasked server frame of less than 64 KiB.
func readFrame(tb testing.TB, br *bufio.Reader) string {
	tb.Helper()
	var h [4]byte
	if _, err := io.ReadFull(br, h[:2]); err != nil {
		tb.Fatal(err)
	}
	n := int(h[1] & 0x7f)
	if n == 126 {
		if _, err := io.ReadFull(br, h[2:4]); err != nil {
			tb.Fatal(err)
		}
		n = int(h[2])<<8 | int(h[3])
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(br, b); err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// BenchmarkBroadcast emits to every socket of the main namespace, with 10,
// 100 and 1,000 WebSocket clients. Allocations per recipient are the
// slope between the sizes: allocs/op the same at every size means none per
// recipient (what allocs/op counts is per event: the packet and its
// encoding, shared by all recipients).
func BenchmarkBroadcast(b *testing.B) {
	for _, clients := range []int{10, 100, 1000} {
		for _, m := range metricsModes {
			b.Run(fmt.Sprintf("clients=%d/%s", clients, m.name), func(b *testing.B) { benchmarkBroadcast(b, clients, m.on) })
		}
	}
}

// window is how many events a broadcast benchmark has in flight, as the
// load tool's fan-out (bench/cmd/load -window): without a bound the
// emitting loop outruns the writers and measures ever longer queues.
const window = 32

// waitDelivered waits until every client has read want bytes of frames.
// It blocks rather than spins: a spinning waiter's instructions would
// depend on the machine's load, and the cost of metrics is measured by
// counting instructions (BENCHMARKS.md).
func waitDelivered(b testing.TB, cs []*rawClient, want int64) {
	timeout := time.NewTimer(time.Minute)
	defer timeout.Stop()
	for _, c := range cs {
		c.want.Store(want)
		for c.n.Load() < want {
			select {
			case <-c.reached:
			case <-timeout.C:
				b.Fatalf("a client got %d bytes of %d", c.n.Load(), want)
			}
		}
		c.want.Store(0)
	}
}

func benchmarkBroadcast(b *testing.B, clients int, metricsOn bool) {
	io := socketio.NewServer(observed(&socketio.Options{Engine: engineio.Options{PingInterval: time.Hour, WriteQueueSize: 1 << 20}}, metricsOn))
	ts := httptest.NewServer(io)
	b.Cleanup(func() { io.Close(); ts.Close() })
	addr := strings.TrimPrefix(ts.URL, "http://")
	cs := make([]*rawClient, clients)
	for i := range cs {
		cs[i] = dialRaw(b, addr)
	}
	for len(io.Sockets().Sockets()) < clients {
		time.Sleep(time.Millisecond)
	}
	frame := int64(2 + len(`42["bench","hello",1]`))
	// Warm up: each session's queues grow to the window once, which would
	// otherwise count as allocations of the first events.
	for range 2 * window {
		if err := io.Emit("bench", "hello", 1); err != nil {
			b.Fatal(err)
		}
	}
	waitDelivered(b, cs, 2*window*frame)
	for _, c := range cs {
		c.n.Store(0)
	}

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if err := io.Emit("bench", "hello", 1); err != nil {
			b.Fatal(err)
		}
		n++
		if n%window == 0 {
			waitDelivered(b, cs, int64(n)*frame)
		}
	}
	waitDelivered(b, cs, int64(n)*frame)
	runtime.ReadMemStats(&after)
	// Counted until every client has its frames: the writers' work too.
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(n), "allocs/event")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(n*clients), "allocs/recipient")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(n*clients), "B/recipient")
}

// BenchmarkRoundTrip is one event from a client through the server's
// decoder and typed handler and back as an acknowledgement.
func BenchmarkRoundTrip(b *testing.B) {
	for _, tr := range transports {
		for _, m := range metricsModes {
			b.Run(tr+"/"+m.name, func(b *testing.B) { benchmarkRoundTrip(b, tr, m.on) })
		}
	}
}

func benchmarkRoundTrip(b *testing.B, tr string, metricsOn bool) {
	io, url := newServer(b, observed(&socketio.Options{Engine: engineio.Options{PingInterval: time.Hour}}, metricsOn))
	type msg struct {
		Room string `json:"room"`
		Text string `json:"text"`
	}
	io.OnConnection(func(s *socketio.Socket) {
		s.On("msg", func(m msg, ack socketio.AckFunc) { ack(len(m.Text)) })
	})
	c, _ := connect(b, url, tr, "/")
	b.ReportAllocs()
	var id uint64
	for b.Loop() {
		id++
		if err := c.Emit("/", &id, "msg", msg{"lobby", "hello"}); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Next(wait); err != nil {
			b.Fatal(err)
		}
	}
}
