package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestDialErrors(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	silent, err := net.Listen("tcp", "127.0.0.1:0") // accepts, never answers
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { silent.Close() })
	forbidden := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "go away", http.StatusForbidden)
	}))
	t.Cleanup(forbidden.Close)
	for _, mode := range transportModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			o := testOptions(mode.transports)
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			if _, err := Dial(ctx, "http://"+closed, o); !errors.Is(err, syscall.ECONNREFUSED) {
				t.Errorf("refused: %v", err)
			}
			short, cancel2 := context.WithTimeout(ctx, 300*time.Millisecond)
			defer cancel2()
			start := time.Now()
			if _, err := Dial(short, "http://"+silent.Addr().String(), o); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("silent server: %v", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("silent server: gave up after %v", d)
			}
			var he *HTTPError
			if _, err := Dial(ctx, forbidden.URL, o); !errors.As(err, &he) || he.StatusCode != http.StatusForbidden {
				t.Errorf("forbidden: %v", err)
			}
		})
	}
}

func TestOptionErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, u := range []string{"ftp://x", "http://", "::"} {
		if _, err := Dial(ctx, u, nil); err == nil {
			t.Errorf("Dial(%q) succeeded", u)
		}
	}
	if _, err := NewManager("http://x", &Options{Transports: []string{"carrier-pigeon"}}); err == nil {
		t.Error("unknown transport accepted")
	}
}

func TestParseURL(t *testing.T) {
	t.Parallel()
	o := &Options{Path: "/sio/", Query: map[string][]string{"b": {"2"}}}
	tests := []struct{ in, base, nsp string }{
		{"http://h:1", "http://h:1/sio/?b=2", "/"},
		{"https://h/admin?a=1", "https://h/sio/?a=1&b=2", "/admin"},
		{"ws://h:1/x", "http://h:1/sio/?b=2", "/x"},
		{"wss://h/", "https://h/sio/?b=2", "/"},
	}
	for _, tt := range tests {
		base, nsp, err := parseURL(tt.in, o)
		if err != nil || base.String() != tt.base || nsp != tt.nsp {
			t.Errorf("parseURL(%q) = %v, %q, %v; want %s, %s", tt.in, base, nsp, err, tt.base, tt.nsp)
		}
	}
}

func TestParseConnectError(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, msg, data string }{
		{`{"message":"no","data":{"a":1}}`, "no", `{"a":1}`},
		{`{"message":"no"}`, "no", ""},
		{`"old style"`, "old style", ""},
	} {
		e := parseConnectError("/x", []byte(tt.in))
		if e.Message != tt.msg || string(e.Data) != tt.data || e.Namespace != "/x" {
			t.Errorf("parseConnectError(%s) = %+v", tt.in, e)
		}
	}
}

// TestConcurrentEmits sends acknowledged emits from many goroutines at
// once over one socket.
func TestConcurrentEmits(t *testing.T) {
	t.Parallel()
	srv := startGo(t, fixtureOptions{})
	for _, mode := range transportModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			s := dial(t, srv, "/", testOptions(mode.transports))
			var wg sync.WaitGroup
			errs := make(chan error, 400)
			for g := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range 50 {
						ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
						a, err := s.EmitWithAck(ctx, "message-with-ack", g, i)
						cancel()
						var gg, ii int
						if err == nil {
							err = a.Scan(&gg, &ii)
						}
						if err == nil && (gg != g || ii != i) {
							err = fmt.Errorf("ack %d %d for %d %d", gg, ii, g, i)
						}
						if err != nil {
							errs <- err
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}

// TestCloseFromHandler: a handler may close its own socket and Manager.
func TestCloseFromHandler(t *testing.T) {
	t.Parallel()
	srv := startGo(t, fixtureOptions{})
	s := dial(t, srv, "/", testOptions(nil))
	done := make(chan struct{})
	s.On("message-back", func() {
		_ = s.Close()
		_ = s.Manager().Close()
		close(done)
	})
	if err := s.Emit("message"); err != nil {
		t.Fatal(err)
	}
	recv(t, done, "Close in a handler")
	if err := s.Connect(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Connect after Manager.Close: %v, want ErrClosed", err)
	}
}

// TestCloseFromHandlerWaitsForOthers: Manager.Close called by a handler
// of one socket still waits for the "disconnect" handlers of the others,
// which are not the caller's.
func TestCloseFromHandlerWaitsForOthers(t *testing.T) {
	t.Parallel()
	srv := startGo(t, fixtureOptions{})
	s := dial(t, srv, "/", testOptions(nil))
	other := s.Manager().Socket("/custom", nil)
	var otherDone atomic.Bool
	other.OnDisconnect(func(string) {
		time.Sleep(100 * time.Millisecond) // a slow handler is waited for too
		otherDone.Store(true)
	})
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := other.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	waited := make(chan bool, 1)
	s.On("message-back", func() {
		_ = s.Manager().Close()
		waited <- otherDone.Load()
	})
	if err := s.Emit("message"); err != nil {
		t.Fatal(err)
	}
	if !recv(t, waited, "Close in a handler") {
		t.Error("Manager.Close in a handler returned before the other socket's disconnect handler ended")
	}
}

// TestCloseLeavesNoGoroutine: not parallel, so that goleak sees only what
// this test started.
func TestCloseLeavesNoGoroutine(t *testing.T) {
	srv := startGo(t, fixtureOptions{})
	before := goleak.IgnoreCurrent()
	for _, mode := range transportModes {
		s := dial(t, srv, "/", testOptions(mode.transports))
		c := s.Manager().Socket("/custom", nil)
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		if err := c.Connect(ctx); err != nil {
			t.Fatal(err)
		}
		cancel()
		jsonEqual(t, ackValues(t, s, "message-with-ack", []byte{1}), []any{[]byte{1}})
		s.On("message-back", func() {})
		_ = s.Emit("message", "x")
		_ = c.Close()
		_ = s.Close()
	}
	// The server in this process keeps its WebSocket poller and warm
	// worker goroutines until it shuts down: they are not the client's.
	goleak.VerifyNone(t, before,
		goleak.IgnoreAnyFunction("github.com/duplexio/duplex/internal/websocket.(*Poller).loop"),
		goleak.IgnoreAnyFunction("github.com/duplexio/duplex/internal/websocket.(*Poller).worker"),
		goleak.IgnoreAnyFunction("github.com/duplexio/duplex/internal/workpool.(*Pool).worker"))
}
