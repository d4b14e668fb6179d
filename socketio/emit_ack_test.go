package socketio_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/parser"
	"github.com/duplexio/duplex/socketio"
)

// TestAckCallbackRule: every Emit takes a trailing function as its ack
// callback and checks its type at the call; EmitWithAck refuses one.
func TestAckCallbackRule(t *testing.T) {
	t.Parallel()
	io, url := newServer(t, nil)
	socks := onConnect(io, nil)
	connect(t, url, "websocket", "/")
	s := recv(t, socks, "socket")
	tests := []struct {
		name string
		err  error
	}{
		{"socket: not a handler", s.Emit("ev", 1, func(chan int) {})},
		{"socket: error first without timeout", s.Emit("ev", func(error, string) {})},
		{"socket: no error first with timeout", s.Timeout(time.Second).Emit("ev", func(string) {})},
		{"broadcast: typed callback", io.Emit("ev", 1, func(answer string) {})},
		{"broadcast: timeout callback of a socket", io.Timeout(time.Second).Emit("ev", func(err error, answer string) {})},
		{"broadcast from a socket", s.Broadcast().Emit("ev", func() {})},
		{"socket EmitWithAck", func() error { _, err := s.EmitWithAck(t.Context(), "ev", func() {}); return err }()},
		{"broadcast EmitWithAck", func() error {
			_, err := io.Timeout(time.Second).EmitWithAck(t.Context(), "ev", func([]socketio.Args) {})
			return err
		}()},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, socketio.ErrAckCallback) {
			t.Errorf("%s: err = %v, want ErrAckCallback", tt.name, tt.err)
		}
	}
	// The accepted shapes.
	if err := s.Emit("ev", func(string) {}); err != nil {
		t.Errorf("socket callback: %v", err)
	}
	if err := io.Timeout(time.Second).Emit("ev", func(error, []socketio.Args) {}); err != nil {
		t.Errorf("broadcast callback: %v", err)
	}
}

// TestBroadcastAckCallbackEncodeError: with a callback, an argument that
// cannot be encoded fails the call, as it does without one, instead of
// being lost on a goroutine.
func TestBroadcastAckCallbackEncodeError(t *testing.T) {
	t.Parallel()
	io, _ := newServer(t, nil)
	called := make(chan error, 1)
	err := io.Emit("ev", make(chan int), func(err error, _ []socketio.Args) { called <- err })
	if err == nil || errors.Is(err, socketio.ErrAckCallback) {
		t.Errorf("Emit = %v, want the encoding error", err)
	}
	none(t, called, "callback")
}

// TestBroadcastAckCallbackShutdownWaits: the goroutine that waits for a
// broadcast's acknowledgements belongs to the server: Shutdown waits for
// its callback, and once shut down the server starts no more of them.
func TestBroadcastAckCallbackShutdownWaits(t *testing.T) {
	t.Parallel()
	io := socketio.NewServer(nil)
	ts := httptest.NewServer(io)
	defer ts.Close()
	socks := onConnect(io, nil)
	c, _ := connect(t, ts.URL, "websocket", "/")
	recv(t, socks, "socket")
	called := make(chan error, 1)
	release := make(chan struct{})
	// No timeout: only the client's answer or its disconnection ends the
	// wait, and the client never answers.
	if err := io.Emit("ping", func(err error, r []socketio.Args) {
		called <- err
		<-release
	}); err != nil {
		t.Fatal(err)
	}
	expect(t, c, `20["ping"]`)
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		shut <- io.Shutdown(ctx)
	}()
	if err := recv(t, called, "callback"); err != nil {
		t.Errorf("callback err = %v, want nil: the client disconnected, so none is awaited", err)
	}
	none(t, shut, "Shutdown returning while the callback runs")
	close(release)
	if err := recv(t, shut, "Shutdown"); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := io.Emit("ping", func(error, []socketio.Args) {}); !errors.Is(err, socketio.ErrServerClosed) {
		t.Errorf("Emit with a callback after Shutdown = %v, want ErrServerClosed", err)
	}
}

// TestSocketContext: the context ends when the socket disconnects, with a
// cause that says why; one asked for afterwards is already done.
func TestSocketContext(t *testing.T) {
	t.Parallel()
	io, url := newServer(t, nil)
	socks := onConnect(io, nil)
	c, _ := connect(t, url, "websocket", "/")
	s := recv(t, socks, "socket")
	ctx := s.Context()
	if ctx != s.Context() {
		t.Error("Context returns a new context on each call")
	}
	if ctx.Err() != nil {
		t.Fatalf("context of a connected socket: %v", ctx.Err())
	}
	send(t, c, "1")
	select {
	case <-ctx.Done():
	case <-time.After(wait):
		t.Fatal("context not cancelled by the disconnection")
	}
	if cause := context.Cause(ctx); !errors.Is(cause, socketio.ErrDisconnected) || cause.Error() != "socketio: socket disconnected: client namespace disconnect" {
		t.Errorf("cause = %v", cause)
	}
	// A socket whose context nobody asked for while it was connected.
	c2, _ := connect(t, url, "polling", "/")
	s2 := recv(t, socks, "socket")
	send(t, c2, "1")
	eventually(t, "disconnection", func() bool { return !s2.Connected() })
	if err := s2.Context().Err(); err == nil {
		t.Error("context made after the disconnection is not done")
	}
}

// TestSocketContextRefused: a middleware that refuses the connection
// after taking the socket's context sees it end.
func TestSocketContextRefused(t *testing.T) {
	t.Parallel()
	io, url := newServer(t, nil)
	ctxs := make(chan context.Context, 1)
	io.Use(func(s *socketio.Socket) error {
		ctxs <- s.Context()
		return errors.New("no")
	})
	c := dial(t, url, "websocket")
	if _, err := c.Connect("/", nil); err != nil {
		t.Fatal(err)
	}
	ctx := recv(t, ctxs, "context")
	select {
	case <-ctx.Done():
	case <-time.After(wait):
		t.Fatal("context of a refused socket not cancelled")
	}
}

// TestServerSideHandlerShutdown: the goroutine running the handlers of
// another node's event belongs to the server: Shutdown waits for it, and
// afterwards events are dropped.
func TestServerSideHandlerShutdown(t *testing.T) {
	t.Parallel()
	// The adapter's handle on the namespace is how another node's event
	// comes in.
	var nsp adapter.ClusterNamespace
	io := socketio.NewServer(&socketio.Options{Adapter: func(ns adapter.Namespace) adapter.Adapter {
		nsp = ns.(adapter.ClusterNamespace)
		return adapter.NewMemory(ns)
	}})
	running := make(chan int, 2)
	release := make(chan struct{})
	root := io.Of("/")
	root.OnServerSideEmit("work", func(n int) {
		running <- n
		<-release
	})
	event := func(n int) *parser.Packet {
		return &parser.Packet{Type: parser.Event, Namespace: "/", Data: []byte(fmt.Sprintf(`["work",%d]`, n))}
	}
	nsp.ServerSideEmitReceived(event(1), nil)
	if n := recv(t, running, "handler"); n != 1 {
		t.Fatalf("handler got %d", n)
	}
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		shut <- io.Shutdown(ctx)
	}()
	none(t, shut, "Shutdown returning while a server-side handler runs")
	close(release)
	if err := recv(t, shut, "Shutdown"); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	nsp.ServerSideEmitReceived(event(2), nil)
	none(t, running, "handler after Shutdown")
}
