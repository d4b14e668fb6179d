package hardening_test

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/engineio/packet"
	"github.com/duplexio/duplex/internal/eiotest"
	"github.com/duplexio/duplex/parser"
	"github.com/duplexio/duplex/socketio"
)

// soakCycles is SOAK_CYCLES, 2,000 by default; run the full soak with
//
//	SOAK_CYCLES=100000 go test -run TestSoak -v ./test/hardening/
func soakCycles(t *testing.T) int {
	if v := os.Getenv("SOAK_CYCLES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("SOAK_CYCLES=%q: %v", v, err)
		}
		return n
	}
	return 2000
}

func openFDs() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}

type snapshot struct {
	goroutines int
	heap       uint64
	fds        int
}

func take() snapshot {
	return snapshot{runtime.NumGoroutine(), heapInUse(), openFDs()}
}

// TestSoak connects and disconnects SOAK_CYCLES clients, a third each over
// polling, WebSocket and polling upgraded to WebSocket, 4 at a time, each
// joining "/" and getting an echo; a quarter leave with DISCONNECT and a
// close packet, a quarter with a close packet, half drop the transport. Afterwards goroutines, heap and open files return to
// their baseline.
func TestSoak(t *testing.T) {
	cycles := soakCycles(t)
	// A polling client that drops its transport between two polls is
	// only noticed by the heartbeat: keep it short.
	e := newEnv(t, &socketio.Options{Engine: engineio.Options{PingInterval: 500 * time.Millisecond, PingTimeout: 500 * time.Millisecond}})
	run := func(i int) error {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		tr := [...]string{"polling", "websocket", "polling"}[i%3]
		conn, err := eiotest.DialContext(ctx, e.url, eiotest.Options{Transport: tr, Path: "/socket.io/"})
		if err != nil {
			return err
		}
		defer conn.Close()
		c := &eiotest.SIO{Conn: conn}
		if i%3 == 2 {
			conn.Upgrade(t)
		}
		if p, err := c.Connect("/", nil); err != nil || p.Type != parser.Connect {
			return err
		}
		if err := echo(t, c, uint64(i)); err != nil {
			return err
		}
		switch i % 4 {
		case 0: // leave the namespace, then close the engine session
			if err := c.SendPacket(&parser.Packet{Type: parser.Disconnect, Namespace: "/"}); err != nil {
				return err
			}
			return c.Send(packet.Packet{Type: packet.Close})
		case 1: // close the engine session
			return c.Send(packet.Packet{Type: packet.Close})
		}
		return nil // drop the transport
	}
	for i := range 30 { // warm up: pools, timers, the HTTP client's
		if err := run(i); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "warm-up sessions closed", func() bool { return e.io.Engine().Count() == 0 })
	base := take()

	start := time.Now()
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1))
				if i > cycles || failed.Load() > 0 {
					return
				}
				if err := run(i); err != nil {
					failed.Add(1)
					t.Errorf("cycle %d: %v", i, err)
				}
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	waitFor(t, "sessions closed", func() bool { return e.io.Engine().Count() == 0 })

	var end snapshot
	deadline := time.Now().Add(wait)
	for {
		end = take()
		settled := end.goroutines <= base.goroutines+2 && end.fds <= base.fds+4 && end.heap <= base.heap+4<<20
		if settled || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("%d cycles in %v (%.0f/s): goroutines %d -> %d, heap %d KiB -> %d KiB, fds %d -> %d",
		cycles, took, float64(cycles)/took.Seconds(), base.goroutines, end.goroutines,
		base.heap>>10, end.heap>>10, base.fds, end.fds)
	if end.goroutines > base.goroutines+2 {
		t.Errorf("goroutines %d, baseline %d", end.goroutines, base.goroutines)
	}
	if end.fds > base.fds+4 {
		t.Errorf("open files %d, baseline %d", end.fds, base.fds)
	}
	if end.heap > base.heap+4<<20 {
		t.Errorf("heap %d KiB, baseline %d KiB", end.heap>>10, base.heap>>10)
	}
	if len(e.io.Sockets().Sockets()) != 0 {
		t.Errorf("%d sockets left", len(e.io.Sockets().Sockets()))
	}
}
