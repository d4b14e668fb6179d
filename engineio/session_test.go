package engineio_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/engineio/packet"
	"github.com/duplexio/duplex/internal/eiotest"
)

var transports = []string{"polling", "websocket"}

func TestHeartbeat(t *testing.T) {
	t.Parallel()
	for _, transport := range transports {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, &engineio.Options{PingInterval: 50 * time.Millisecond, PingTimeout: 2 * time.Second}, false)
			c, r := e.dial(t, eiotest.Options{Transport: transport, NoAutoPong: true})
			start := time.Now()
			for i := range 5 {
				p, err := c.Recv(wait)
				if err != nil {
					t.Fatalf("ping %d: %v", i, err)
				}
				if p.Type != packet.Ping || len(p.Data) != 0 {
					t.Fatalf("got %v %q, want a ping \"2\"", p.Type, p.Data)
				}
				if err := c.Send(packet.Packet{Type: packet.Pong}); err != nil {
					t.Fatal(err)
				}
			}
			// The first ping may come right after the dial returned: the
			// five span at least four whole intervals.
			if d := time.Since(start); d < 4*50*time.Millisecond {
				t.Errorf("5 pings in %v: less than 4 intervals of 50ms", d)
			}
			if r.isClosed() {
				t.Errorf("closed: %q", r.reason)
			}
		})
	}
}

// A client that answers pings stays connected past many timeouts.
func TestHeartbeatKeepsAlive(t *testing.T) {
	t.Parallel()
	for _, transport := range []string{"polling", "websocket", "upgraded"} {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			// PingTimeout leaves room for a loaded machine to answer.
			e := newEnv(t, &engineio.Options{PingInterval: 50 * time.Millisecond, PingTimeout: 250 * time.Millisecond}, false)
			o := eiotest.Options{Transport: transport}
			if transport == "upgraded" {
				o.Transport = "polling"
			}
			c, r := e.dial(t, o)
			if transport == "upgraded" {
				c.Upgrade(t)
			}
			time.Sleep(600 * time.Millisecond) // > 2 × (interval + timeout)
			if r.isClosed() {
				t.Fatalf("closed after 600ms: %q %v", r.reason, r.err)
			}
			if p, err := c.Recv(time.Millisecond); err == nil {
				t.Errorf("unexpected packet %v %q", p.Type, p.Data)
			}
		})
	}
}

func TestHeartbeatTimeout(t *testing.T) {
	t.Parallel()
	for _, transport := range transports {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, &engineio.Options{PingInterval: 50 * time.Millisecond, PingTimeout: 50 * time.Millisecond}, false)
			c, r := e.dial(t, eiotest.Options{Transport: transport, NoAutoPong: true})
			if p, err := c.Recv(wait); err != nil || p.Type != packet.Ping {
				t.Fatalf("got %v %v, want a ping", p.Type, err)
			}
			r.waitClose(t, engineio.ReasonPingTimeout, nil)
			select {
			case <-c.Closed():
			case <-time.After(wait):
				t.Fatal("client not closed")
			}
		})
	}
}

// A client that never reads is disconnected once its queue overflows.
func TestSlowClient(t *testing.T) {
	t.Parallel()
	e := newEnv(t, &engineio.Options{WriteQueueSize: 8}, false)
	_, url, r := handshake(t, e) // and no GET
	var first error
	n := 0
	for i := range 100 {
		err := r.s.Write(engineio.Message{Data: []byte(strconv.Itoa(i))})
		if err != nil {
			first = err
			break
		}
		n++
	}
	if n != 8 || !errors.Is(first, engineio.ErrQueueFull) {
		t.Errorf("%d writes then %v, want 8 then ErrQueueFull", n, first)
	}
	r.waitClose(t, engineio.ReasonTransportError, engineio.ErrQueueFull)
	if err := r.s.Write(engineio.Message{Data: []byte("x")}); err != engineio.ErrClosed {
		t.Errorf("Write after: %v, want ErrClosed", err)
	}
	checkError(t, do(t, "GET", url, "", nil), 400, `{"code":1,"message":"Session ID unknown"}`)
}

func TestWriteQueueBound(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		n    int
		want error
	}{
		{"fits", 8, nil},
		{"one too many", 9, engineio.ErrQueueFull},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, &engineio.Options{WriteQueueSize: 8}, false)
			_, url, r := handshake(t, e)
			msgs := make([]engineio.Message, tt.n)
			for i := range msgs {
				msgs[i] = engineio.Message{Data: []byte("m")}
			}
			if err := r.s.Write(msgs...); err != tt.want {
				t.Fatalf("Write of %d: %v, want %v", tt.n, err, tt.want)
			}
			if tt.want != nil {
				r.waitClose(t, engineio.ReasonTransportError, tt.want)
				return
			}
			if resp := do(t, "GET", url, "", nil); resp.body != strings.Repeat("4m\x1e", 7)+"4m" {
				t.Errorf("poll answered %q", resp.body)
			}
		})
	}
}

func TestWriteVolatile(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, false)
	_, url, r := handshake(t, e)
	if r.s.WriteVolatile(engineio.Message{Data: []byte("lost")}) {
		t.Error("WriteVolatile queued with no poll waiting")
	}
	pending := pollAsync(t, url)
	waitPolling(t, r.s)
	if !r.s.WriteVolatile(engineio.Message{Data: []byte("sent")}) {
		t.Error("WriteVolatile dropped with a poll waiting")
	}
	if resp := await(t, pending); resp.body != "4sent" {
		t.Errorf("poll answered %q, want \"4sent\"", resp.body)
	}
}

func TestCloseFlushesPolling(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, false)
	_, url, r := handshake(t, e)
	if err := r.s.Write(engineio.Message{Data: []byte("a")}, engineio.Message{Data: []byte{1}, Binary: true}); err != nil {
		t.Fatal(err)
	}
	r.s.Close()
	if err := r.s.Write(engineio.Message{Data: []byte("late")}); err != engineio.ErrClosed {
		t.Errorf("Write while closing: %v, want ErrClosed", err)
	}
	// The close packet comes alone in the next poll: the JavaScript client
	// drops what follows a close packet in a payload.
	if resp := do(t, "GET", url, "", nil); resp.status != 200 || resp.body != "4a\x1ebAQ==" {
		t.Errorf("poll answered %d %q, want \"4a\\x1ebAQ==\"", resp.status, resp.body)
	}
	if r.isClosed() {
		t.Error("closed before the close packet was sent")
	}
	if resp := do(t, "GET", url, "", nil); resp.status != 200 || resp.body != "1" {
		t.Errorf("second poll answered %d %q, want \"1\"", resp.status, resp.body)
	}
	r.waitClose(t, engineio.ReasonForcedClose, nil)
	r.s.Close() // no-op
}

// With nothing queued, Close ends the session at once; a waiting poll gets
// the close packet.
func TestCloseIdlePolling(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, false)
	_, url, r := handshake(t, e)
	pending := pollAsync(t, url)
	waitPolling(t, r.s)
	r.s.Close()
	r.waitClose(t, engineio.ReasonForcedClose, nil)
	if resp := await(t, pending); resp.body != "1" {
		t.Errorf("poll answered %q, want \"1\"", resp.body)
	}
}

// Close sends every message written before it, then closes: over
// WebSocket, the close frame must not overtake messages being written.
func TestCloseFlushesWebSocket(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n       int
		oneCall bool // one Write of n messages: one batch for the writer
	}{{1, false}, {3, false}, {1000, false}, {1000, true}}
	for _, tt := range tests {
		n := tt.n
		t.Run(fmt.Sprintf("%d/oneCall=%v", n, tt.oneCall), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil, false)
			c, r := e.dial(t, eiotest.Options{Transport: "websocket"})
			payload := strings.Repeat("x", 1000)
			msgs := make([]engineio.Message, n)
			for i := range msgs {
				msgs[i] = engineio.Message{Data: []byte(strconv.Itoa(i) + payload)}
			}
			if tt.oneCall {
				if err := r.s.Write(msgs...); err != nil {
					t.Fatal(err)
				}
				// Let the writer take the batch: the queue is then empty
				// while the batch is still being written. (Not an
				// assertion: without the wait the test only gets weaker.)
				time.Sleep(time.Millisecond)
			} else {
				for _, m := range msgs {
					if err := r.s.Write(m); err != nil {
						t.Fatal(err)
					}
				}
			}
			r.s.Close()
			for i := range n {
				p, err := c.Recv(wait)
				if err != nil {
					t.Fatalf("message %d of %d: %v", i, n, err)
				}
				if want := strconv.Itoa(i) + payload; string(p.Data) != want {
					t.Fatalf("message %d: %.10q...", i, p.Data)
				}
			}
			if p, err := c.Recv(wait); !errors.Is(err, eiotest.ErrClosed) {
				t.Errorf("after the messages: %v %q, %v; want the end", p.Type, p.Data, err)
			}
			r.waitClose(t, engineio.ReasonForcedClose, nil)
		})
	}
}

func TestAbort(t *testing.T) {
	t.Parallel()
	for _, transport := range transports {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil, false)
			c, r := e.dial(t, eiotest.Options{Transport: transport})
			boom := errors.New("boom")
			r.s.Abort("custom reason", boom)
			r.waitClose(t, "custom reason", boom)
			select {
			case <-c.Closed():
			case <-time.After(wait):
				t.Fatal("client not closed")
			}
			if e.srv.Session(c.SID()) != nil {
				t.Error("Server.Session still returns the session")
			}
		})
	}
}

func TestShutdown(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, false)
	var conns []*eiotest.Conn
	var recs []*rec
	for _, o := range []eiotest.Options{{}, {Transport: "websocket"}, {}} {
		c, r := e.dial(t, o)
		conns, recs = append(conns, c), append(recs, r)
	}
	conns[2].Upgrade(t)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	// Shutdown returned: every OnClose has.
	for i, r := range recs {
		if !r.isClosed() {
			t.Errorf("session %d: OnClose not called before Shutdown returned", i)
			continue
		}
		if r.reason != engineio.ReasonServerShutdown {
			t.Errorf("session %d: reason %q", i, r.reason)
		}
	}
	for i, c := range conns {
		select {
		case <-c.Closed():
		case <-time.After(wait):
			t.Errorf("client %d not closed", i)
		}
	}
	if n := e.srv.Count(); n != 0 {
		t.Errorf("Count() = %d", n)
	}
}

// Shutdown gives up when ctx ends first.
func TestShutdownContext(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := engineio.NewServer(nil, func(s *engineio.Session) engineio.Receiver {
		return blockingClose{release}
	})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	eiotest.Dial(t, ts.URL, eiotest.Options{Transport: "websocket"})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown: %v, want DeadlineExceeded", err)
	}
	close(release)
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Errorf("second Shutdown: %v", err)
	}
}

type blockingClose struct{ release chan struct{} }

func (blockingClose) OnMessage([]byte, bool)  {}
func (b blockingClose) OnClose(string, error) { <-b.release }

// Receiver calls never overlap, even when messages arrive over two
// transports and the session closes meanwhile; rec panics if they do.
func TestReceiverCallsSerialized(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, true)
	c, r := e.dial(t, eiotest.Options{})
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 20 {
				_ = c.SendText(strconv.Itoa(i*100 + j))
			}
		}()
	}
	wg.Wait()
	for range 80 {
		r.nextMsg(t)
	}
	r.s.Close()
	r.waitClose(t, engineio.ReasonForcedClose, nil)
}

// A ConnectFunc may refuse a session by aborting it.
func TestAbortInConnect(t *testing.T) {
	t.Parallel()
	for _, transport := range transports {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			refused := errors.New("refused")
			recs := make(chan *rec, 1)
			srv := engineio.NewServer(nil, func(s *engineio.Session) engineio.Receiver {
				r := newRec(s, false)
				recs <- r
				s.Abort("rejected", refused)
				return r
			})
			ts := httptest.NewServer(srv)
			ts.Config.ErrorLog = discardLog // the panic this test catches
			t.Cleanup(ts.Close)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			c, err := eiotest.DialContext(ctx, ts.URL, eiotest.Options{Transport: transport})
			if err == nil {
				// The handshake may succeed before the close is seen.
				select {
				case <-c.Closed():
				case <-time.After(wait):
					t.Error("client not closed")
				}
				c.Close()
			} else if !errors.Is(err, eiotest.ErrClosed) {
				// Refused with a close frame is fine; EOF or silence is not.
				t.Errorf("handshake: %v", err)
			}
			r := <-recs
			select {
			case <-r.closed:
			case <-time.After(time.Second):
				t.Fatal("OnClose not called: Abort panicked in ConnectFunc (nil heartbeat timer)")
			}
			if r.reason != "rejected" || r.err != refused {
				t.Errorf("OnClose(%q, %v), want (\"rejected\", refused)", r.reason, r.err)
			}
			if n := srv.Count(); n != 0 {
				// Shutdown would block on the session's mutex, which the
				// panicking handler left locked.
				t.Fatalf("Count() = %d after the session was aborted", n)
			}
			sctx, scancel := context.WithTimeout(context.Background(), wait)
			defer scancel()
			if err := srv.Shutdown(sctx); err != nil {
				t.Error(err)
			}
		})
	}
}

// Handshakes racing with Shutdown are refused or closed by it: none may
// open a session that Shutdown neither closes nor waits for in vain. The
// race window is small: a few rounds make a failure likely.
func TestShutdownDuringHandshakes(t *testing.T) {
	t.Parallel()
	for round := range 10 {
		if !shutdownDuringHandshakes(t) {
			t.Logf("failed in round %d", round)
			return
		}
	}
}

func shutdownDuringHandshakes(t *testing.T) (ok bool) {
	srv := engineio.NewServer(nil, func(s *engineio.Session) engineio.Receiver { return newRec(s, false) })
	ts := httptest.NewServer(srv)
	defer ts.Close()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			transport := transports[i%2]
			for {
				select {
				case <-stop:
					return
				default:
				}
				ctx, cancel := context.WithTimeout(context.Background(), wait)
				c, err := eiotest.DialContext(ctx, ts.URL, eiotest.Options{Transport: transport})
				cancel()
				if err == nil {
					defer c.Close() // at the end: the session stays open until Shutdown
				}
			}
		}()
	}
	time.Sleep(50 * time.Millisecond) // let handshakes run
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := srv.Shutdown(ctx)
	n := srv.Count()
	close(stop)
	wg.Wait()
	if err != nil {
		t.Errorf("Shutdown: %v, with %d sessions open: sessions opened during Shutdown were neither refused nor closed", err, n)
		// The clients are gone now; leave nothing running for the leak check.
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		_ = srv.Shutdown(ctx)
		return false
	}
	if n != 0 {
		t.Errorf("Count() = %d after Shutdown", n)
		return false
	}
	return true
}
