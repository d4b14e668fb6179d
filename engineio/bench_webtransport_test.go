package engineio_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quic-go/webtransport-go"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/engineio/packet"
	"github.com/duplexio/duplex/internal/eiotest"
	"github.com/duplexio/duplex/internal/wttest"
)

// Echo and fan-out over WebSocket and over WebTransport, the same server
// and receiver, for BENCHMARKS.md.

// benchWT is an echo server on HTTP/1.1 and HTTP/3 with WebTransport.
type benchWT struct {
	ts       *httptest.Server
	wtURL    string
	cert     wttest.Cert
	sessions chan *engineio.Session
}

func newBenchWT(b *testing.B, n int) *benchWT {
	b.Helper()
	e := &benchWT{cert: wttest.NewCert(b), sessions: make(chan *engineio.Session, n)}
	srv := engineio.NewServer(&engineio.Options{Transports: wtTransports}, func(s *engineio.Session) engineio.Receiver {
		select {
		case e.sessions <- s:
		default:
		}
		return echo{s}
	})
	e.ts = httptest.NewServer(srv)
	conn := wttest.ListenUDP(b, 0)
	wttest.Serve(b, conn, e.cert, func(wt *webtransport.Server) http.Handler { return srv.WebTransportHandler(wt) })
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		_ = srv.Shutdown(ctx)
		e.ts.Close()
	})
	e.wtURL = fmt.Sprintf("https://localhost:%d/engine.io/", conn.LocalAddr().(*net.UDPAddr).Port)
	return e
}

func (e *benchWT) dialWT(b *testing.B) *wttest.Client {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	c := wttest.DialT(ctx, b, e.wtURL, e.cert, "")
	if p, err := c.Recv(wait); err != nil || p.Type != packet.Open {
		b.Fatalf("handshake %v %v", p.Type, err)
	}
	return c
}

// BenchmarkTransportEcho measures one 64-byte message's round trip, sent
// by one client and echoed by the server.
func BenchmarkTransportEcho(b *testing.B) {
	msg := strings.Repeat("x", 64)
	b.Run("transport=websocket", func(b *testing.B) {
		e := newBenchWT(b, 1)
		c := eiotest.Dial(b, e.ts.URL, eiotest.Options{Transport: engineio.TransportWebSocket})
		b.ReportAllocs()
		for b.Loop() {
			if err := c.SendText(msg); err != nil {
				b.Fatal(err)
			}
			if p, err := c.Recv(wait); err != nil || len(p.Data) != 64 {
				b.Fatalf("%v %q", err, p.Data)
			}
		}
	})
	b.Run("transport=webtransport", func(b *testing.B) {
		e := newBenchWT(b, 1)
		c := e.dialWT(b)
		m := packet.Packet{Type: packet.Message, Data: []byte(msg)}
		b.ReportAllocs()
		for b.Loop() {
			if err := c.Send(m); err != nil {
				b.Fatal(err)
			}
			if p, err := c.RecvSkipPings(wait); err != nil || len(p.Data) != 64 {
				b.Fatalf("%v %q", err, p.Data)
			}
		}
	})
}

// BenchmarkTransportFanout measures Session.Enqueue of a 64-byte message
// to each of 100 sessions (as a broadcast does) and its delivery to
// clients that count and drop it; writers stay at most window messages
// (over all sessions) ahead of the clients: 1,024 measures latency more
// than throughput, 16,384 the reverse.
func BenchmarkTransportFanout(b *testing.B) {
	const n = 100
	for _, window := range []int64{1024, 16384} {
		for _, tr := range []string{engineio.TransportWebSocket, engineio.TransportWebTransport} {
			b.Run(fmt.Sprintf("window=%d/transport=%s/sessions=%d", window, tr, n), func(b *testing.B) {
				benchFanout(b, tr, n, window)
			})
		}
	}
}

func benchFanout(b *testing.B, tr string, n int, window int64) {
	e := newBenchWT(b, n)
	var received atomic.Int64
	var readers sync.WaitGroup
	b.Cleanup(readers.Wait) // after the server's shutdown (cleanups run last first)
	ss := make([]*engineio.Session, n)
	for i := range n {
		if tr == engineio.TransportWebSocket {
			dialDiscard(b, e.ts.URL, &received)
		} else {
			c := e.dialWT(b)
			readers.Go(func() {
				for {
					if _, err := c.Recv(time.Hour); err != nil {
						return
					}
					received.Add(1)
				}
			})
		}
		ss[i] = <-e.sessions
	}
	msg := engineio.Message{Data: []byte(strings.Repeat("x", 64))}
	b.ReportAllocs()
	sent := int64(0)
	for b.Loop() {
		for _, s := range ss {
			if err := s.Enqueue(msg); err != nil {
				b.Fatal(err)
			}
		}
		sent += int64(n)
		for sent-received.Load() > window {
			time.Sleep(10 * time.Microsecond)
		}
	}
	for deadline := time.Now().Add(wait); received.Load() < sent; {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d messages received", received.Load(), sent)
		}
		time.Sleep(time.Millisecond)
	}
	b.ReportMetric(float64(sent)/b.Elapsed().Seconds(), "deliveries/s")
}
