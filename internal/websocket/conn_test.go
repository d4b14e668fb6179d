//go:build linux

package websocket

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lxzan/gws"
)

// The Conn tests run on both read paths: "epoll" (a TCP connection the
// poller reads) and "tls" (a *tls.Conn, read by gws on a goroutine).
var readPaths = []string{"epoll", "tls"}

// connServer is an httptest server whose handler upgrades with a Server
// and serves each Conn with a recorder, sent on conns.
type connServer struct {
	srv   *Server
	url   string
	tls   *tls.Config
	conns chan connRec
}

type connRec struct {
	c *Conn
	h *recorder
}

func newConnServer(t *testing.T, path string, opts ServerOptions) *connServer {
	t.Helper()
	s := &connServer{srv: NewServer(opts), conns: make(chan connRec, 16)}
	hs := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := s.srv.Upgrade(w, r)
		if err != nil {
			return
		}
		h := newRecorder(t)
		c.Serve(h)
		s.conns <- connRec{c, h}
	}))
	if path == "tls" {
		hs.StartTLS()
		s.url = "wss://" + hs.Listener.Addr().String()
		s.tls = &tls.Config{InsecureSkipVerify: true}
	} else {
		hs.Start()
		s.url = "ws://" + hs.Listener.Addr().String()
	}
	t.Cleanup(func() {
		hs.Close()
		for len(s.conns) > 0 {
			_ = (<-s.conns).c.Close()
		}
		_ = s.srv.Close()
	})
	return s
}

// dial opens a gws client; its handler records frames and the close.
func (s *connServer) dial(t *testing.T) (*gws.Conn, *gwsRecorder, connRec) {
	t.Helper()
	h := &gwsRecorder{frames: make(chan string, 64), closed: make(chan error, 1)}
	c, _, err := gws.NewClient(h, &gws.ClientOption{Addr: s.url, TlsConfig: s.tls})
	if err != nil {
		t.Fatal(err)
	}
	go c.ReadLoop()
	t.Cleanup(func() { _ = c.NetConn().Close(); <-h.closed })
	select {
	case rec := <-s.conns:
		return c, h, rec
	case <-time.After(wait):
		t.Fatal("no connection served")
		return nil, nil, connRec{}
	}
}

// gwsRecorder is a client handler that records the frames and the close.
type gwsRecorder struct {
	gws.BuiltinEventHandler
	frames chan string // "t:<text>", "b:<bytes>", "pong:<payload>"
	closed chan error
}

func (g *gwsRecorder) OnMessage(_ *gws.Conn, m *gws.Message) {
	kind := "t:"
	if m.Opcode == gws.OpcodeBinary {
		kind = "b:"
	}
	g.frames <- kind + m.Data.String()
	m.Close()
}

func (g *gwsRecorder) OnPong(_ *gws.Conn, payload []byte) { g.frames <- "pong:" + string(payload) }

func (g *gwsRecorder) OnClose(_ *gws.Conn, err error) { g.closed <- err }

func (g *gwsRecorder) next(t *testing.T) string {
	t.Helper()
	select {
	case f := <-g.frames:
		return f
	case <-time.After(wait):
		t.Fatal("no frame")
		return ""
	}
}

func (g *gwsRecorder) closeErr(t *testing.T) error {
	t.Helper()
	select {
	case err := <-g.closed:
		g.closed <- err // for the cleanup
		return err
	case <-time.After(wait):
		t.Fatal("client not closed")
		return nil
	}
}

// TestConnReadPath: the server's poller reads a TCP connection; a TLS
// one is read by a goroutine, and cannot be written without blocking.
func TestConnReadPath(t *testing.T) {
	t.Parallel()
	for _, path := range readPaths {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			_, _, rec := newConnServer(t, path, ServerOptions{}).dial(t)
			polled := rec.c.pc.Load() != nil
			if polled != (path == "epoll") || rec.c.CanTryWrite() != (path == "epoll") {
				t.Fatalf("polled %v, CanTryWrite %v on the %s path", polled, rec.c.CanTryWrite(), path)
			}
		})
	}
}

// TestConnEcho: messages and pings from the client arrive on both paths;
// every write method reaches the client in order, and pings are answered.
func TestConnEcho(t *testing.T) {
	t.Parallel()
	for _, path := range readPaths {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			cl, g, rec := newConnServer(t, path, ServerOptions{}).dial(t)
			if err := cl.WriteString("héllo"); err != nil {
				t.Fatal(err)
			}
			if err := cl.WriteMessage(gws.OpcodeBinary, []byte{0, 1}); err != nil {
				t.Fatal(err)
			}
			if err := cl.WritePing([]byte("p1")); err != nil {
				t.Fatal(err)
			}
			msgs := rec.h.waitMessages(t, 2)
			if msgs[0] != (message{"héllo", false}) || msgs[1] != (message{"\x00\x01", true}) {
				t.Fatalf("got %v", msgs)
			}
			rec.h.waitFor(t, "the ping", func() bool { return len(rec.h.pings) == 1 })

			c := rec.c
			if err := c.WriteFrame(OpText, []byte("frame")); err != nil {
				t.Fatal(err)
			}
			batch := append(AppendHeader(nil, OpText, 1), 'a')
			batch = append(AppendHeader(batch, OpBinary, 200), strings.Repeat("b", 200)...)
			if err := c.Write(batch); err != nil {
				t.Fatal(err)
			}
			if c.CanTryWrite() {
				if n, err := c.TryWrite(append(AppendHeader(nil, OpText, 3), "try"...)); n != 0 || err != nil {
					t.Fatalf("TryWrite: %d pending, %v", n, err)
				}
			}
			want := []string{"pong:p1", "t:frame", "t:a", "b:" + strings.Repeat("b", 200)}
			if c.CanTryWrite() {
				want = append(want, "t:try")
			}
			for _, w := range want {
				if got := g.next(t); got != w {
					t.Fatalf("got %q, want %q", got, w)
				}
			}
		})
	}
}

// TestConnPauseResume: while paused, a message is not delivered, on both
// paths (Pause before Serve included); Resume delivers it.
func TestConnPauseResume(t *testing.T) {
	t.Parallel()
	for _, path := range readPaths {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			cl, _, rec := newConnServer(t, path, ServerOptions{}).dial(t)
			rec.c.Pause()
			if err := cl.WriteString("one"); err != nil {
				t.Fatal(err)
			}
			time.Sleep(100 * time.Millisecond) // a message that were delivered would be by now
			rec.h.mu.Lock()
			n := len(rec.h.msgs)
			rec.h.mu.Unlock()
			if n != 0 {
				t.Fatalf("%d messages delivered while paused", n)
			}
			rec.c.Resume()
			if msgs := rec.h.waitMessages(t, 1); msgs[0].data != "one" {
				t.Fatalf("got %v", msgs)
			}
		})
	}
}

// TestConnPeerClose: a close frame from the peer is a *CloseError on both
// paths, and is echoed.
func TestConnPeerClose(t *testing.T) {
	t.Parallel()
	for _, path := range readPaths {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			cl, g, rec := newConnServer(t, path, ServerOptions{}).dial(t)
			if err := cl.WriteClose(4000, []byte("bye")); err != nil {
				t.Fatal(err)
			}
			var ce *CloseError
			if err := rec.h.waitClose(t); !errors.As(err, &ce) || ce.Code != 4000 || ce.Reason != "bye" {
				t.Fatalf("OnClose(%v), want a CloseError 4000 bye", err)
			}
			g.closeErr(t)
		})
	}
}

// TestConnWriteClose: the owner's close frame reaches the client, after
// the frames written before it, and Close ends the read side.
func TestConnWriteClose(t *testing.T) {
	t.Parallel()
	for _, path := range readPaths {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			_, g, rec := newConnServer(t, path, ServerOptions{}).dial(t)
			if err := rec.c.WriteFrame(OpText, []byte("last")); err != nil {
				t.Fatal(err)
			}
			if err := rec.c.WriteClose(CodeTryAgainLater, "full"); err != nil {
				t.Fatal(err)
			}
			_ = rec.c.Close()
			if got := g.next(t); got != "t:last" {
				t.Fatalf("got %q", got)
			}
			var ce *gws.CloseError
			if err := g.closeErr(t); !errors.As(err, &ce) || ce.Code != CodeTryAgainLater || string(ce.Reason) != "full" {
				t.Fatalf("client got %v, want close 1013 full", err)
			}
			if err := rec.h.waitClose(t); err == nil {
				t.Fatal("OnClose(nil) after Close")
			}
		})
	}
}

// TestConnTooBig: a message over MaxPayload fails the connection with
// close code 1009 on both paths.
func TestConnTooBig(t *testing.T) {
	t.Parallel()
	for _, path := range readPaths {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			cl, g, rec := newConnServer(t, path, ServerOptions{MaxPayload: 100}).dial(t)
			_ = cl.WriteString(strings.Repeat("x", 101))
			var ce *gws.CloseError
			if err := g.closeErr(t); !errors.As(err, &ce) || ce.Code != CodeTooBig {
				t.Fatalf("client got %v, want close 1009", err)
			}
			if err := rec.h.waitClose(t); err == nil {
				t.Fatal("OnClose(nil)")
			}
		})
	}
}

// TestConnCloseWhilePaused: closing a paused connection ends its reader
// on both paths (the goroutine reader waiting with a message included):
// OnClose comes and no goroutine is left (goleak in TestMain).
func TestConnCloseWhilePaused(t *testing.T) {
	t.Parallel()
	for _, path := range readPaths {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			cl, _, rec := newConnServer(t, path, ServerOptions{}).dial(t)
			rec.c.Pause()
			_ = cl.WriteString("held")
			time.Sleep(50 * time.Millisecond) // the goroutine reader waits with it
			_ = rec.c.Close()
			if err := rec.h.waitClose(t); !errors.Is(err, net.ErrClosed) {
				t.Fatalf("OnClose(%v), want net.ErrClosed", err)
			}
			rec.h.mu.Lock()
			defer rec.h.mu.Unlock()
			if len(rec.h.msgs) != 0 {
				t.Fatalf("delivered %v after Close", rec.h.msgs)
			}
		})
	}
}

// TestTryWriteKeepsRest: what the socket does not take at once is kept,
// counted, and written by Flush once the client reads.
func TestTryWriteKeepsRest(t *testing.T) {
	t.Parallel()
	s := NewServer(ServerOptions{})
	t.Cleanup(func() { _ = s.Close() })
	client, server := tcpPair(t)
	c := newConn(s, server)
	payload := make([]byte, 8<<20) // more than both socket buffers hold
	frames := append(AppendHeader(nil, OpBinary, len(payload)), payload...)
	pending, err := c.TryWrite(frames)
	if err != nil || pending == 0 || pending >= len(frames) {
		t.Fatalf("TryWrite: %d of %d pending, %v", pending, len(frames), err)
	}
	if n, err := c.TryWrite([]byte{0x81, 0}); err != nil || n != pending+2 {
		t.Fatalf("second TryWrite: %d pending, %v; want %d", n, err, pending+2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	got := make(chan int, 1)
	go func() {
		n := 0
		buf := make([]byte, 64<<10)
		for n < len(frames)+2 && ctx.Err() == nil {
			m, err := client.Read(buf)
			n += m
			if err != nil {
				break
			}
		}
		got <- n
	}()
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	if n := <-got; n != len(frames)+2 {
		t.Fatalf("client read %d bytes, want %d", n, len(frames)+2)
	}
	_ = c.Close()
}

// TestServeAfterClose: a Conn served once its Server is closed is closed
// at once and reports it, instead of starting a reader that would
// outlive the server.
func TestServeAfterClose(t *testing.T) {
	t.Parallel()
	s := NewServer(ServerOptions{})
	_ = s.Close()
	_, server := tcpPair(t)
	c := newConn(s, server)
	h := newRecorder(t)
	c.Serve(h)
	if err := h.waitClose(t); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("OnClose(%v), want net.ErrClosed", err)
	}
}
