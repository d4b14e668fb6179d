package engineio_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lxzan/gws"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/internal/eiotest"
)

// newBenchServer starts a server with the echo receiver; sessions receives
// each new session.
func newBenchServer(b *testing.B, opts *engineio.Options, sessions chan<- *engineio.Session) *httptest.Server {
	b.Helper()
	srv := engineio.NewServer(opts, func(s *engineio.Session) engineio.Receiver {
		if sessions != nil {
			sessions <- s
		}
		return echo{s}
	})
	ts := httptest.NewServer(srv)
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		_ = srv.Shutdown(ctx)
		ts.Close()
	})
	return ts
}

// BenchmarkPollingRoundTrip measures one message sent by POST and echoed
// back through a pending GET.
func BenchmarkPollingRoundTrip(b *testing.B) {
	ts := newBenchServer(b, nil, nil)
	c := eiotest.Dial(b, ts.URL, eiotest.Options{})
	b.ReportAllocs()
	for b.Loop() {
		if err := c.SendText("hello"); err != nil {
			b.Fatal(err)
		}
		if p, err := c.Recv(wait); err != nil || string(p.Data) != "hello" {
			b.Fatalf("%v %q", err, p.Data)
		}
	}
}

// BenchmarkWebSocketWrite measures Session.Write of a 64-byte message to
// each of n WebSocket sessions, the frames written and read by clients that
// discard them. Writers are kept at most 1024 messages ahead of the
// clients, so that queues never overflow.
func BenchmarkWebSocketWrite(b *testing.B) {
	for _, n := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("sessions=%d", n), func(b *testing.B) {
			sessions := make(chan *engineio.Session, n)
			ts := newBenchServer(b, nil, sessions)
			var received atomic.Int64
			ss := make([]*engineio.Session, n)
			for i := range n {
				dialDiscard(b, ts.URL, &received)
				ss[i] = <-sessions
			}
			msg := engineio.Message{Data: []byte(strings.Repeat("x", 64))}
			b.ReportAllocs()
			sent := int64(0)
			for b.Loop() {
				for _, s := range ss {
					if err := s.Write(msg); err != nil {
						b.Fatal(err)
					}
				}
				sent += int64(n)
				for sent-received.Load() > 1024 {
					time.Sleep(10 * time.Microsecond)
				}
			}
			for deadline := time.Now().Add(wait); received.Load() < sent; {
				if time.Now().After(deadline) {
					b.Fatalf("%d of %d messages received", received.Load(), sent)
				}
				time.Sleep(time.Millisecond)
			}
		})
	}
}

// dialDiscard opens a WebSocket session whose client counts and drops the
// messages it gets (the OPEN frame is not counted).
func dialDiscard(b *testing.B, base string, received *atomic.Int64) {
	b.Helper()
	h := &discard{received: received}
	conn, _, err := gws.NewClient(h, &gws.ClientOption{
		Addr: "ws" + strings.TrimPrefix(base, "http") + "/engine.io/?EIO=4&transport=websocket",
	})
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn.ReadLoop()
	}()
	b.Cleanup(func() {
		_ = conn.WriteClose(1000, nil)
		<-done
	})
}

type discard struct {
	gws.BuiltinEventHandler
	received *atomic.Int64
	opened   bool
}

func (d *discard) OnMessage(_ *gws.Conn, m *gws.Message) {
	if d.opened {
		d.received.Add(1)
	}
	d.opened = true
	_ = m.Close()
}
