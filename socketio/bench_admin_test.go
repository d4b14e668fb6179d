package socketio_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/duplexio/duplex/admin"
	"github.com/duplexio/duplex/client"
	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/socketio"
)

// BenchmarkBroadcastAdmin is BenchmarkBroadcast's 100 clients with the
// admin UI's server side off, on in production mode (a Monitor, the room
// observer, the engine observer: the stats), on in development mode
// (Node's default) with no UI connected, and with one UI connected, which
// is then told of every event sent to each socket.
func BenchmarkBroadcastAdmin(b *testing.B) {
	for _, mode := range []string{"off", "production", "development", "development+ui"} {
		b.Run(fmt.Sprintf("clients=100/admin=%s", mode), func(b *testing.B) {
			opts := &socketio.Options{Engine: engineio.Options{PingInterval: time.Hour, WriteQueueSize: 1 << 20}}
			var a *admin.Admin
			if mode != "off" {
				var err error
				if a, err = admin.New(&admin.Options{NoAuth: true, Production: mode == "production"}); err != nil {
					b.Fatal(err)
				}
				a.Instrument(opts)
			}
			io := socketio.NewServer(opts)
			if a != nil {
				a.Start(io)
				b.Cleanup(func() { _ = a.Close() })
			}
			benchmarkBroadcastOn(b, io, 100, mode == "development+ui")
		})
	}
}

// benchmarkBroadcastOn is benchmarkBroadcast on a server of the caller's,
// with, when ui, a Go client on /admin that discards what it gets.
func benchmarkBroadcastOn(b *testing.B, io *socketio.Server, clients int, ui bool) {
	ts := httptest.NewServer(io)
	b.Cleanup(func() { io.Close(); ts.Close() })
	addr := strings.TrimPrefix(ts.URL, "http://")
	if ui {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		s, err := client.Dial(ctx, ts.URL+"/admin", &client.Options{Transports: []string{"websocket"}})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = s.Close() })
	}
	cs := make([]*rawClient, clients)
	for i := range cs {
		cs[i] = dialRaw(b, addr)
	}
	for len(io.Sockets().Sockets()) < clients {
		time.Sleep(time.Millisecond)
	}
	frame := int64(2 + len(`42["bench","hello",1]`))
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
}
