package socketio_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/internal/eiotest"
	"github.com/duplexio/duplex/socketio"
)

func TestConnect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		nsp  string
		want *regexp.Regexp
	}{
		{"/", regexp.MustCompile(`^0\{"sid":"[A-Za-z0-9_-]{20}"\}$`)},
		{"/custom", regexp.MustCompile(`^0/custom,\{"sid":"[A-Za-z0-9_-]{20}"\}$`)},
	}
	for _, tr := range transports {
		for _, tt := range tests {
			t.Run(tr+tt.nsp, func(t *testing.T) {
				t.Parallel()
				io, url := newServer(t, nil)
				io.Of("custom") // the leading "/" is added
				c := dial(t, url, tr)
				p, err := c.Connect(tt.nsp, nil)
				if err != nil {
					t.Fatal(err)
				}
				if !tt.want.MatchString(wire(p)) {
					t.Fatalf("CONNECT reply %s, want %v", wire(p), tt.want)
				}
			})
		}
	}
}

// TestConnectTwoNamespaces joins two namespaces on one connection: each
// socket has its own id, neither is the engine session id, and each gets
// the packets of its namespace.
func TestConnectTwoNamespaces(t *testing.T) {
	t.Parallel()
	forEachTransport(t, func(t *testing.T, tr string) {
		io, url := newServer(t, nil)
		io.Of("/custom")
		c := dial(t, url, tr)
		main := join(t, c, "/", nil)
		custom := join(t, c, "/custom", nil)
		if main == custom || main == c.SID() || custom == c.SID() {
			t.Fatalf("ids not distinct: main %s, custom %s, engine %s", main, custom, c.SID())
		}
		if err := socketOf(t, io, "/custom", custom).Emit("hi", 1); err != nil {
			t.Fatal(err)
		}
		expect(t, c, `2/custom,["hi",1]`)
		if err := socketOf(t, io, "/", main).Emit("hi", 2); err != nil {
			t.Fatal(err)
		}
		expect(t, c, `2["hi",2]`)
		if got := slices.Sorted(slices.Values(io.Namespaces())); !slices.Equal(got, []string{"/", "/custom"}) {
			t.Errorf("Namespaces() = %v", got)
		}
	})
}

// TestConnectUnknownNamespace: the client gets a CONNECT_ERROR and keeps
// its connection.
func TestConnectUnknownNamespace(t *testing.T) {
	t.Parallel()
	forEachTransport(t, func(t *testing.T, tr string) {
		_, url := newServer(t, nil)
		c := dial(t, url, tr)
		p, err := c.Connect("/nope", nil)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := wire(p), `4/nope,{"message":"Invalid namespace"}`; got != want {
			t.Fatalf("got %s, want %s", got, want)
		}
		join(t, c, "/", nil)
	})
}

func TestServePath(t *testing.T) {
	t.Parallel()
	io, base := newServer(t, &socketio.Options{Path: "/io/"})
	if io.Path() != "/io/" {
		t.Errorf("Path() = %q", io.Path())
	}
	c := eiotest.DialSIO(t, base, eiotest.Options{Transport: "websocket", Path: "/io/"})
	join(t, c, "/", nil)

	client := &http.Client{}
	defer client.CloseIdleConnections()
	for _, path := range []string{"/socket.io/?EIO=4&transport=polling", "/other"} {
		resp, err := client.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", path, resp.StatusCode)
		}
	}
}

// TestConnectTimeout: a connection that joins no namespace in time is
// closed; one that joined stays.
func TestConnectTimeout(t *testing.T) {
	t.Parallel()
	forEachTransport(t, func(t *testing.T, tr string) {
		const timeout = 300 * time.Millisecond
		_, url := newServer(t, &socketio.Options{ConnectTimeout: timeout})
		start := time.Now()
		idle := dial(t, url, tr)
		busy, _ := connect(t, url, tr, "/")
		if got := expectClosed(t, idle); len(got) != 0 {
			t.Errorf("idle connection got %q before closing", got)
		}
		if d := time.Since(start); d < timeout {
			t.Errorf("closed after %v, before the timeout %v", d, timeout)
		}
		time.Sleep(timeout)
		select {
		case <-busy.Closed():
			t.Fatal("a connection with a namespace was closed")
		default:
		}
		send(t, busy, `0/nope`) // still served
		expect(t, busy, `4/nope,{"message":"Invalid namespace"}`)
	})
}

func TestHandshake(t *testing.T) {
	t.Parallel()
	forEachTransport(t, func(t *testing.T, tr string) {
		io, base := newServer(t, nil)
		hs := make(chan *socketio.Handshake, 2)
		io.OnConnection(func(s *socketio.Socket) { hs <- s.Handshake() })
		before := time.Now()
		c := eiotest.DialSIO(t, base, eiotest.Options{
			Transport: tr,
			Query:     url.Values{"room": {"lobby"}},
			Header:    http.Header{"X-Custom": {"v1"}},
		})
		after := time.Now()
		join(t, c, "/", map[string]string{"token": "abc"})
		h := recv(t, hs, "handshake")

		if string(h.Auth) != `{"token":"abc"}` {
			t.Errorf("Auth = %s", h.Auth)
		}
		for k, want := range map[string]string{"room": "lobby", "EIO": "4", "transport": tr} {
			if got := h.Query[k]; !slices.Equal(got, []string{want}) {
				t.Errorf("Query[%q] = %q, want [%q] (%v)", k, got, want, h.Query)
			}
		}
		if got := h.Header["X-Custom"]; !slices.Equal(got, []string{"v1"}) {
			t.Errorf("Header[X-Custom] = %q (%v)", got, h.Header)
		}
		if h.Address != "127.0.0.1" {
			t.Errorf("Address = %q", h.Address)
		}
		if !strings.HasPrefix(h.URL, "/socket.io/?") || !strings.Contains(h.URL, "room=lobby") {
			t.Errorf("URL = %q", h.URL)
		}
		if h.XDomain || h.Secure {
			t.Errorf("XDomain %v, Secure %v, want false", h.XDomain, h.Secure)
		}
		if h.Time.Before(before) || h.Time.After(after) {
			t.Errorf("Time %v not within the handshake [%v, %v]", h.Time, before, after)
		}

		// Without an auth payload, Auth is {} as in Node.
		join(t, dial(t, base, tr), "/", nil)
		if h := recv(t, hs, "handshake"); string(h.Auth) != `{}` {
			t.Errorf("Auth without payload = %s, want {}", h.Auth)
		}
	})
}

// TestShutdown: every socket gets "server shutting down", every client
// loses its connection and new ones are refused.
func TestShutdown(t *testing.T) {
	t.Parallel()
	forEachTransport(t, func(t *testing.T, tr string) {
		io, base := newServer(t, nil)
		reasons := make(chan string, 4)
		record := func(s *socketio.Socket) {
			s.OnDisconnect(func(reason string) { reasons <- s.Namespace().Name() + " " + reason })
		}
		io.OnConnection(record)
		io.Of("/custom").OnConnection(record)
		c := dial(t, base, tr)
		join(t, c, "/", nil)
		join(t, c, "/custom", nil)

		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if err := io.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
		got := []string{recv(t, reasons, "reason"), recv(t, reasons, "reason")}
		slices.Sort(got)
		if want := []string{"/ server shutting down", "/custom server shutting down"}; !slices.Equal(got, want) {
			t.Errorf("reasons %q, want %q", got, want)
		}
		expectClosed(t, c)
		if n := io.Engine().Count(); n != 0 {
			t.Errorf("%d sessions after Shutdown", n)
		}

		_, err := eiotest.DialContext(ctx, base, eiotest.Options{Transport: "polling", Path: "/socket.io/"})
		var he *eiotest.HTTPError
		if !errors.As(err, &he) || he.Status != http.StatusServiceUnavailable {
			t.Errorf("handshake after Shutdown: %v, want HTTP 503", err)
		}
	})
}

// TestShutdownWaitsForHandlers: Shutdown returns the context's error while
// a handler still runs, and nil once it returned.
func TestShutdownWaitsForHandlers(t *testing.T) {
	t.Parallel()
	io, url := newServer(t, nil)
	started, release := make(chan struct{}), make(chan struct{})
	onConnect(io, func(s *socketio.Socket) {
		s.On("block", func() { close(started); <-release })
	})
	c, _ := connect(t, url, "websocket", "/")
	emit(t, c, "/", "block")
	recv(t, started, "handler start")

	ctx, cancel := context.WithTimeout(context.Background(), quiet)
	defer cancel()
	if err := io.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown with a running handler: %v, want DeadlineExceeded", err)
	}
	close(release)
	ctx, cancel = context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := io.Shutdown(ctx); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
}

// TestShutdownReleasesEmitWithAck: Shutdown waits for a handler that
// waits for an acknowledgement up to its deadline; then the socket is
// closed and the handler gets ErrDisconnected.
func TestShutdownReleasesEmitWithAck(t *testing.T) {
	t.Parallel()
	io, url := newServer(t, nil)
	errs := make(chan error, 1)
	onConnect(io, func(s *socketio.Socket) {
		s.On("ask", func() {
			_, err := s.EmitWithAck(context.Background(), "question")
			errs <- err
		})
	})
	c, _ := connect(t, url, "websocket", "/")
	emit(t, c, "/", "ask")
	expectEvent(t, c, "question", `20["question"]`)

	ctx, cancel := context.WithTimeout(context.Background(), quiet)
	defer cancel()
	if err := io.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown with an unanswered EmitWithAck: %v, want DeadlineExceeded", err)
	}
	if err := recv(t, errs, "EmitWithAck result"); !errors.Is(err, socketio.ErrDisconnected) {
		t.Errorf("EmitWithAck = %v, want ErrDisconnected", err)
	}
}

// TestEngineOptions checks that the engine options pass through.
func TestEngineOptions(t *testing.T) {
	t.Parallel()
	io := socketio.NewServer(&socketio.Options{Engine: engineio.Options{
		PingInterval: time.Second, PingTimeout: 2 * time.Second, MaxHTTPBufferSize: 1000, WriteTimeout: 3 * time.Second,
	}})
	defer io.Close()
	o := io.Engine().Options()
	if o.PingInterval != time.Second || o.PingTimeout != 2*time.Second || o.MaxHTTPBufferSize != 1000 || o.WriteTimeout != 3*time.Second {
		t.Errorf("engine options %+v", o)
	}
	if io.Path() != "/socket.io/" || io.Sockets().Name() != "/" || io.Of("/") != io.Sockets() {
		t.Errorf("defaults: path %q, main namespace %q", io.Path(), io.Sockets().Name())
	}
}

// TestCloseDoesNotWait: Close closes the connections at once, even while a
// handler runs (Shutdown waits for it); the handler finishes on its own.
func TestCloseDoesNotWait(t *testing.T) {
	t.Parallel()
	io, url := newServer(t, nil)
	started, release := make(chan struct{}), make(chan struct{})
	onConnect(io, func(s *socketio.Socket) {
		s.On("block", func() { close(started); <-release })
	})
	c, _ := connect(t, url, "websocket", "/")
	emit(t, c, "/", "block")
	recv(t, started, "handler start")

	closed := make(chan error, 1)
	go func() { closed <- io.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(wait / 2):
		t.Fatal("Close waited for a running handler")
	}
	expectClosed(t, c)
	close(release)
}
