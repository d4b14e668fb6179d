package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestHeartbeatAnswered keeps a connection open through many short ping
// intervals, longer than pingInterval + pingTimeout: the server would close
// it if the pongs did not come. The timeout is generous, for a loaded
// machine.
func TestHeartbeatAnswered(t *testing.T) {
	t.Parallel()
	o := fixtureOptions{pingInterval: 200 * time.Millisecond, pingTimeout: 3 * time.Second}
	forEachServer(t, o, func(t *testing.T, srv testServer, transports []string) {
		t.Parallel()
		s := dial(t, srv, "/", testOptions(transports))
		reasons := make(chan string, 1)
		s.OnDisconnect(func(r string) { reasons <- r })
		select {
		case r := <-reasons:
			t.Fatalf("disconnected: %s", r)
		case <-time.After(4 * time.Second):
		}
		jsonEqual(t, ackValues(t, s, "message-with-ack", "alive"), []any{"alive"})
	})
}

// fakeServer is an Engine.IO polling server that accepts the namespace,
// records what the client posts, and then goes silent: no ping ever
// comes.
type fakeServer struct {
	handshake string
	once      sync.Once
	connected chan struct{} // closed when the CONNECT packet arrived
	mu        sync.Mutex
	answered  bool     // the CONNECT answer was sent
	posts     []string // the bodies posted
}

func newFakeServer(pingInterval, pingTimeout int) *fakeServer {
	return &fakeServer{
		connected: make(chan struct{}),
		handshake: fmt.Sprintf(`0{"sid":"fake","upgrades":[],"pingInterval":%d,"pingTimeout":%d,"maxPayload":1000000}`, pingInterval, pingTimeout),
	}
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Query().Get("sid") == "":
		io.WriteString(w, f.handshake)
	case r.Method == http.MethodPost:
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.posts = append(f.posts, string(body))
		f.mu.Unlock()
		if strings.HasPrefix(string(body), "40") {
			f.once.Do(func() { close(f.connected) })
		}
		io.WriteString(w, "ok")
	default:
		select {
		case <-f.connected:
		case <-r.Context().Done():
			return
		}
		f.mu.Lock()
		answer := !f.answered
		f.answered = true
		f.mu.Unlock()
		if answer {
			io.WriteString(w, `40{"sid":"abc"}`)
			return
		}
		<-r.Context().Done() // a poll that never ends, until the client gives up
	}
}

func TestHeartbeatDeadServer(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(newFakeServer(300, 200))
	defer ts.Close()
	o := testOptions([]string{TransportPolling})
	o.DisableReconnection = true
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	start := time.Now()
	s, err := Dial(ctx, ts.URL, o)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	reasons := make(chan string, 1)
	s.OnDisconnect(func(r string) { reasons <- r })
	if r := recv(t, reasons, "disconnect"); r != ReasonPingTimeout {
		t.Errorf("reason %q, want %q", r, ReasonPingTimeout)
	}
	if d := time.Since(start); d < 450*time.Millisecond {
		t.Errorf("ping timeout after %v, before pingInterval+pingTimeout", d)
	}
}

// TestCloseFlushes: Close writes what was emitted, then the DISCONNECT,
// then the Engine.IO close packet.
func TestCloseFlushes(t *testing.T) {
	t.Parallel()
	f := newFakeServer(25000, 20000)
	ts := httptest.NewServer(f)
	defer ts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	s, err := Dial(ctx, ts.URL, testOptions([]string{TransportPolling}))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := s.Emit("x", i); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	all := strings.Join(f.posts, "\x1e")
	f.mu.Unlock()
	want := "40\x1e42[\"x\",0]\x1e42[\"x\",1]\x1e42[\"x\",2]\x1e41\x1e1"
	if all != want {
		t.Errorf("posted %q, want %q", all, want)
	}
}
