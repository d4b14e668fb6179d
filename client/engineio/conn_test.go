package engineio

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"go.uber.org/goleak"

	server "github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/engineio/packet"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testTimeout = 20 * time.Second

// echo is a server Receiver that writes every message back.
type echo struct{ s *server.Session }

func (e echo) OnMessage(data []byte, binary bool) {
	_ = e.s.Write(server.Message{Data: append([]byte(nil), data...), Binary: binary})
}

func (echo) OnClose(string, error) {}

// startEcho runs an echo server of this module's engineio package.
func startEcho(t testing.TB, o *server.Options) *url.URL {
	t.Helper()
	srv := server.NewServer(o, func(s *server.Session) server.Receiver { return echo{s} })
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ts.Close()
		_ = srv.Shutdown(context.Background())
	})
	u, _ := url.Parse(ts.URL + "/engine.io/")
	return u
}

// recorder is a Handler that passes on what it gets.
type recorder struct {
	msgs   chan Message
	closed chan string
}

func newRecorder() *recorder {
	return &recorder{msgs: make(chan Message, 16), closed: make(chan string, 1)}
}

func (r *recorder) OnMessage(_ *Conn, data []byte, binary bool) {
	r.msgs <- Message{Data: append([]byte(nil), data...), Binary: binary}
}

func (r *recorder) OnClose(_ *Conn, reason string, _ error) { r.closed <- reason }

func recvOne[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(testTimeout):
		t.Fatalf("no %s in %v", what, testTimeout)
		panic("unreachable")
	}
}

// TestDialEcho: over each transport setting, messages text and binary go
// to the server and back, and Close ends the connection with
// ReasonForcedClose.
func TestDialEcho(t *testing.T) {
	t.Parallel()
	base := startEcho(t, nil)
	for _, tt := range []struct {
		name       string
		transports []string
		want       string // the transport at the end
	}{
		{"polling", []string{TransportPolling}, TransportPolling},
		{"websocket", []string{TransportWebSocket}, TransportWebSocket},
		{"upgrade", nil, TransportWebSocket},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRecorder()
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			c, err := Dial(ctx, &Config{URL: base, Transports: tt.transports}, r)
			if err != nil {
				t.Fatal(err)
			}
			if c.ID() == "" {
				t.Error("no session id")
			}
			for i, m := range []Message{{Data: []byte("hello")}, {Data: []byte{1, 2, 3}, Binary: true}} {
				if err := c.Write(m); err != nil {
					t.Fatal(err)
				}
				got := recvOne(t, r.msgs, "echo")
				if string(got.Data) != string(m.Data) || got.Binary != m.Binary {
					t.Errorf("echo %d = %+v, want %+v", i, got, m)
				}
			}
			deadline := time.Now().Add(testTimeout)
			for c.Transport() != tt.want && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if tr := c.Transport(); tr != tt.want {
				t.Errorf("transport %q, want %q", tr, tt.want)
			}
			c.Close(ctx)
			if reason := recvOne(t, r.closed, "close"); reason != ReasonForcedClose {
				t.Errorf("close reason %q, want %q", reason, ReasonForcedClose)
			}
			if err := c.Write(Message{Data: []byte("late")}); !errors.Is(err, ErrClosed) {
				t.Errorf("Write after Close: %v, want ErrClosed", err)
			}
			c.Wait()
		})
	}
}

// TestPingTimeout: a server whose pings stop is left with
// ReasonPingTimeout, and its answers to the pings before that kept the
// connection open.
func TestPingTimeout(t *testing.T) {
	t.Parallel()
	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("sid") == "" {
			_, _ = w.Write([]byte(`0{"sid":"s","upgrades":[],"pingInterval":100,"pingTimeout":100,"maxPayload":1000}`))
			return
		}
		<-r.Context().Done() // the poll never returns
	}))
	t.Cleanup(silent.Close)
	u, _ := url.Parse(silent.URL + "/engine.io/")
	r := newRecorder()
	c, err := Dial(context.Background(), &Config{URL: u, Transports: []string{TransportPolling}}, r)
	if err != nil {
		t.Fatal(err)
	}
	if reason := recvOne(t, r.closed, "close"); reason != ReasonPingTimeout {
		t.Errorf("close reason %q, want %q", reason, ReasonPingTimeout)
	}
	c.Wait()
}

// TestDialRefused: a server's refusal is an *HTTPError, and a Config that
// cannot work is refused before any request.
func TestDialRefused(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "go away", http.StatusForbidden)
	}))
	t.Cleanup(ts.Close)
	u, _ := url.Parse(ts.URL + "/engine.io/")
	for _, transports := range [][]string{{TransportPolling}, {TransportWebSocket}} {
		_, err := Dial(context.Background(), &Config{URL: u, Transports: transports}, newRecorder())
		var he *HTTPError
		if !errors.As(err, &he) || he.StatusCode != http.StatusForbidden {
			t.Errorf("%v: Dial error %v, want an HTTPError 403", transports, err)
		}
	}
	for _, cfg := range []*Config{nil, {}, {URL: &url.URL{Scheme: "ftp", Host: "h"}}, {URL: u, Transports: []string{"carrier-pigeon"}}} {
		if _, err := Dial(context.Background(), cfg, newRecorder()); err == nil {
			t.Errorf("Dial(%+v) succeeded", cfg)
		}
	}
}

// TestWriteQueueFull: Write refuses past Config.WriteQueueSize, all of a
// call or nothing; WriteUrgent does not.
func TestWriteQueueFull(t *testing.T) {
	t.Parallel()
	e := &Conn{cfg: &config{queueSize: 2}, kick: make(chan struct{}, 1), done: make(chan struct{})}
	if err := e.Write(Message{Data: []byte("a")}); err != nil {
		t.Fatal(err)
	}
	if err := e.Write(Message{Data: []byte("b")}, Message{Data: []byte("c")}); !errors.Is(err, ErrQueueFull) {
		t.Errorf("Write past the bound: %v, want ErrQueueFull", err)
	}
	if len(e.queue) != 1 {
		t.Errorf("%d queued after a refused Write, want 1", len(e.queue))
	}
	if err := e.WriteUrgent(Message{Data: []byte("b")}, Message{Data: []byte("c")}); err != nil {
		t.Errorf("WriteUrgent: %v", err)
	}
}

func TestWSURL(t *testing.T) {
	t.Parallel()
	base, _ := url.Parse("https://h/p/?a=1")
	if got := wsURL(base, "s1").String(); got != "wss://h/p/?EIO=4&a=1&sid=s1&transport=websocket" {
		t.Errorf("wsURL = %s", got)
	}
	base.Scheme = "http"
	if got := wsURL(base, "").String(); got != "ws://h/p/?EIO=4&a=1&transport=websocket" {
		t.Errorf("wsURL = %s", got)
	}
}

func TestPayloadCount(t *testing.T) {
	t.Parallel()
	q := []packet.Packet{
		{Type: packet.Message, Data: []byte("aaaa")},                // 5
		{Type: packet.Message, Data: []byte("bb")},                  // +1+3
		{Type: packet.Message, Data: []byte{1, 2, 3}, Binary: true}, // +1+1+4
	}
	for _, tt := range []struct{ max, want int }{{0, 3}, {5, 1}, {8, 1}, {9, 2}, {14, 2}, {15, 3}, {1, 1}} {
		if got := payloadCount(q, tt.max); got != tt.want {
			t.Errorf("payloadCount(max %d) = %d, want %d", tt.max, got, tt.want)
		}
	}
}
