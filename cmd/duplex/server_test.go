package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duplexio/duplex/cmd/duplex/internal/web"
	"github.com/duplexio/duplex/internal/eiotest"
	"github.com/duplexio/duplex/internal/testtime"
	"github.com/duplexio/duplex/parser"
)

func TestMain(m *testing.M) { eiotest.CheckLeaks(m) }

const wait = testtime.Wait

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServer runs a duplex server on a free port until the returned stop
// is called; stop returns serve's error.
func startServer(t *testing.T, args ...string) (url string, logs *syncBuffer, stop func() error) {
	t.Helper()
	args = append([]string{"--addr", "127.0.0.1:0", "--log-level", "debug"}, args...)
	cfg, err := parseConfig(args, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	logs = &syncBuffer{}
	srv, err := newServer(cfg, newLogger(cfg, logs))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.listenHTTP3(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.serve(ctx, ln, func() {}) }()
	var once sync.Once
	var serveErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case serveErr = <-done:
			case <-time.After(wait):
				t.Fatal("serve did not return after the context ended")
			}
		})
		return serveErr
	}
	t.Cleanup(func() { _ = stop() })
	url = baseURL(ln.Addr(), cfg.tlsCert != "")
	deadline := time.Now().Add(wait)
	for !strings.Contains(logs.String(), `msg="duplex listening" url=`+url+" ") {
		if time.Now().After(deadline) {
			t.Fatalf("no startup line with the URL %s in %q", url, logs.String())
		}
		time.Sleep(time.Millisecond)
	}
	return url, logs, stop
}

func getBody(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func healthOf(t *testing.T, url string) health {
	t.Helper()
	resp, body := getBody(t, url+"healthz")
	var h health
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /healthz: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if err := json.Unmarshal([]byte(body), &h); err != nil {
		t.Fatalf("GET /healthz: %v in %s", err, body)
	}
	return h
}

func TestServerRoutes(t *testing.T) {
	url, _, _ := startServer(t)
	if h := healthOf(t, url); h.Status != "ok" || h.Connections != 0 || h.Users != 0 || h.Uptime == "" {
		t.Errorf("health %+v", h)
	}
	resp, page := getBody(t, url)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `src="/socket.io/socket.io.min.js"`) {
		t.Errorf("GET /: %d, page %.200q", resp.StatusCode, page)
	}
	resp, _ = getBody(t, url+"socket.io/socket.io.min.js")
	if want := map[bool]int{true: http.StatusOK, false: http.StatusServiceUnavailable}[web.HasClient()]; resp.StatusCode != want {
		t.Errorf("GET the client bundle: %d, want %d (embedded: %v)", resp.StatusCode, want, web.HasClient())
	}
	resp, body := getBody(t, url+"socket.io/?EIO=3&transport=polling")
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("Socket.IO with EIO=3: %d %s, want 400 from the engine", resp.StatusCode, body)
	}
}

func TestServerChatAndShutdown(t *testing.T) {
	url, logs, stop := startServer(t)
	c := eiotest.DialSIO(t, url, eiotest.Options{Transport: "websocket"})
	p, err := c.Connect("/", map[string]string{"name": "ada"})
	if err != nil || p.Type != parser.Connect {
		t.Fatalf("connect: %v %v", p, err)
	}
	if _, err := c.NextEvent(wait, "welcome"); err != nil {
		t.Fatal(err)
	}
	if h := healthOf(t, url); h.Connections != 1 || h.Users != 1 {
		t.Errorf("health with one user: %+v", h)
	}
	if !strings.Contains(logs.String(), "socketio: connected") {
		t.Errorf("no debug line for the connection in %s", logs.String())
	}

	if err := stop(); err != nil {
		t.Fatalf("serve: %v", err)
	}
	select {
	case <-c.Closed():
	case <-time.After(wait):
		t.Fatal("the client was not disconnected by the shutdown")
	}
	for _, want := range []string{"duplex shutting down", "duplex stopped"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("no %q in the logs", want)
		}
	}
	if _, err := net.DialTimeout("tcp", strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/"), time.Second); err == nil {
		t.Error("the listener still accepts connections after the shutdown")
	}
}

func TestBaseURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ addr, want string }{
		{"127.0.0.1:3000", "http://127.0.0.1:3000/"},
		{"0.0.0.0:3000", "http://localhost:3000/"},
		{"[::]:3000", "http://localhost:3000/"},
		{"[::1]:8080", "http://[::1]:8080/"},
	}
	for _, tt := range tests {
		addr, err := net.ResolveTCPAddr("tcp", tt.addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := baseURL(addr, false); got != tt.want {
			t.Errorf("baseURL(%s) = %s, want %s", tt.addr, got, tt.want)
		}
	}
}

func TestClientSubcommand(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"client", "--help"}, nil, &stdout, &stderr); code != 0 && code != 2 {
		t.Fatalf("duplex client --help: exit %d", code)
	}
	if out := stdout.String() + stderr.String(); !strings.Contains(out, "Usage: duplex client") {
		t.Errorf("duplex client --help printed %q", out)
	}
}
