package engineio_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lxzan/gws"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/engineio/packet"
	"github.com/duplexio/duplex/internal/eiotest"
)

// quiet is how long a test watches for something that must not happen.
const quiet = 200 * time.Millisecond

// noMsg checks that r receives nothing for a while.
func noMsg(t testing.TB, r *rec) {
	t.Helper()
	select {
	case m := <-r.msgs:
		t.Fatalf("message %q delivered while paused", m.data)
	case <-time.After(quiet):
	}
}

// expectMsgs checks that r receives want, in order.
func expectMsgs(t testing.TB, r *rec, want ...string) {
	t.Helper()
	for _, w := range want {
		if m := r.nextMsg(t); m.data != w {
			t.Fatalf("message %q, want %q", m.data, w)
		}
	}
}

// TestPauseReadingPolling: a paused session answers no POST: its packets
// wait until ResumeReading, then arrive in order and the POST is answered.
func TestPauseReadingPolling(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, false)
	_, url, r := handshake(t, e)
	r.s.PauseReading()
	body := string(packet.AppendPayload(nil, []packet.Packet{
		{Type: packet.Message, Data: []byte("a")}, {Type: packet.Message, Data: []byte("b")}}))
	answered := make(chan response, 1)
	go func() { answered <- do(t, "POST", url, body, nil) }()
	noMsg(t, r)
	select {
	case got := <-answered:
		t.Fatalf("POST answered while paused: %+v", got)
	default:
	}
	r.s.ResumeReading()
	expectMsgs(t, r, "a", "b")
	if got := <-answered; got.status != 200 || got.body != "ok" {
		t.Errorf("POST: %d %q", got.status, got.body)
	}
}

// TestPauseReadingWebSocket: a paused WebSocket session (read by the
// epoll poller) delivers nothing until ResumeReading, then everything the
// client sent meanwhile, in order.
func TestPauseReadingWebSocket(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, false)
	c, r := e.dial(t, eiotest.Options{Transport: "websocket"})
	r.s.PauseReading()
	var want []string
	for i := range 100 {
		want = append(want, fmt.Sprint(i))
		if err := c.SendText(want[i]); err != nil {
			t.Fatal(err)
		}
	}
	noMsg(t, r)
	r.s.ResumeReading()
	expectMsgs(t, r, want...)
}

// TestPauseReadingTLS: over TLS gws reads the WebSocket on a goroutine,
// which waits while the session is paused.
func TestPauseReadingTLS(t *testing.T) {
	t.Parallel()
	e := &env{sessions: make(chan *rec, 4)}
	e.srv = engineio.NewServer(nil, func(s *engineio.Session) engineio.Receiver {
		r := newRec(s, false)
		e.sessions <- r
		return r
	})
	e.ts = httptest.NewUnstartedServer(e.srv)
	e.ts.Config.ErrorLog = discardLog
	e.ts.StartTLS()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		_ = e.srv.Shutdown(ctx)
		e.ts.Close()
	})
	addr := "wss://" + strings.TrimPrefix(e.ts.URL, "https://") + "/engine.io/?EIO=4&transport=websocket"
	c, _, err := gws.NewClient(new(gws.BuiltinEventHandler), &gws.ClientOption{
		Addr: addr, TlsConfig: &tls.Config{InsecureSkipVerify: true}})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); c.ReadLoop() }()
	t.Cleanup(func() { c.NetConn().Close(); <-done })
	r := e.next(t)
	r.s.PauseReading()
	for _, m := range []string{"4a", "4b", "4c"} {
		if err := c.WriteString(m); err != nil {
			t.Fatal(err)
		}
	}
	noMsg(t, r)
	r.s.ResumeReading()
	expectMsgs(t, r, "a", "b", "c")
}

// TestWriteQueueBytes: the write queue is bounded in bytes, counting 40
// bytes per packet besides its payload: 7 messages of 100 bytes fit in
// 1000, the 8th overflows and disconnects the client.
func TestWriteQueueBytes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, &engineio.Options{MaxWriteQueueBytes: 1000}, false)
	_, _, r := handshake(t, e) // and no GET
	m := engineio.Message{Data: []byte(strings.Repeat("x", 100))}
	for i := range 7 {
		if err := r.s.Write(m); err != nil {
			t.Fatalf("Write %d: %v", i, err)
		}
	}
	if err := r.s.Write(m); !errors.Is(err, engineio.ErrQueueFull) {
		t.Fatalf("8th Write: %v, want ErrQueueFull", err)
	}
	r.waitClose(t, engineio.ReasonTransportError, engineio.ErrQueueFull)
}

// TestBacklog: past a quarter of MaxWriteQueueBytes the session is
// Backlogged: WaitWritable waits and the client is not read, until it has
// read its queue.
func TestBacklog(t *testing.T) {
	t.Parallel()
	e := newEnv(t, &engineio.Options{MaxWriteQueueBytes: 4000}, false)
	_, url, r := handshake(t, e)
	m := engineio.Message{Data: []byte(strings.Repeat("x", 100))}
	for range 7 { // 980 bytes: under the soft bound of 1000
		_ = r.s.Write(m)
	}
	if r.s.Backlogged() {
		t.Fatal("Backlogged under the soft bound")
	}
	_ = r.s.Write(m)
	if !r.s.Backlogged() {
		t.Fatal("not Backlogged over the soft bound")
	}
	writable := make(chan error, 1)
	go func() { writable <- r.s.WaitWritable(context.Background()) }()
	posted := make(chan response, 1)
	go func() { posted <- do(t, "POST", url, "4hi", nil) }()
	noMsg(t, r)
	select {
	case err := <-writable:
		t.Fatalf("WaitWritable returned %v while backlogged", err)
	default:
	}
	if got := do(t, "GET", url, "", nil); got.status != 200 || strings.Count(got.body, "4xxx") != 8 {
		t.Fatalf("GET: %d %q", got.status, got.body)
	}
	if err := <-writable; err != nil {
		t.Errorf("WaitWritable: %v", err)
	}
	expectMsgs(t, r, "hi")
	if got := <-posted; got.status != 200 {
		t.Errorf("POST: %d %q", got.status, got.body)
	}
	if r.s.Backlogged() {
		t.Error("still Backlogged after the GET")
	}
}

// TestPausedSessionKeepsHeartbeat: a client that the Receiver keeps from
// being read for many ping timeouts is not timed out for the pongs it
// sent meanwhile (they wait unread), and still gets pings.
func TestPausedSessionKeepsHeartbeat(t *testing.T) {
	t.Parallel()
	for _, transport := range []string{"websocket", "polling"} {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, &engineio.Options{PingInterval: 200 * time.Millisecond, PingTimeout: 200 * time.Millisecond}, false)
			c, r := e.dial(t, eiotest.Options{Transport: transport})
			r.s.PauseReading()
			time.Sleep(2 * time.Second) // five heartbeats
			if r.isClosed() {
				t.Fatalf("closed while paused: %q %v", r.reason, r.err)
			}
			r.s.ResumeReading()
			if err := c.SendText("after"); err != nil {
				t.Fatal(err)
			}
			expectMsgs(t, r, "after")
		})
	}
}
