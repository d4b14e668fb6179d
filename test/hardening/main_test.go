// Package hardening_test puts a Duplex server in front of hostile and
// careless clients: malformed traffic, clients that stop reading, reconnect
// storms, shutdowns. Every test asserts the exact answer the hostile client
// gets and that a healthy client on the same server keeps working.
//
// What the server guarantees, and which test shows it, is in SECURITY.md at
// the root of the repository.
package hardening_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duplexio/duplex/internal/eiotest"
	"github.com/duplexio/duplex/internal/testtime"
	"github.com/duplexio/duplex/parser"
	"github.com/duplexio/duplex/socketio"
)

// TestMain fails the package when goroutines outlive its tests.
func TestMain(m *testing.M) { eiotest.CheckLeaks(m) }

// wait bounds what should happen (generous: -race on a loaded 2-core
// machine); quiet is how long a test waits for what should not happen.
const (
	wait  = testtime.Wait
	quiet = testtime.Quiet
)

var transports = []string{"polling", "websocket"}

// logBuf collects the server's log records as JSON lines.
type logBuf struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// records returns the log records whose msg is msg.
func (l *logBuf) records(msg string) []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(l.buf.String(), "\n") {
		var r map[string]any
		if json.Unmarshal([]byte(line), &r) == nil && r["msg"] == msg {
			out = append(out, r)
		}
	}
	return out
}

// env is a Socket.IO server behind an httptest server, with the handlers
// every test relies on:
//
//   - "echo" (string, ack) acknowledges with its argument;
//   - "num" (float64) and "int" (int) emit "got" back with the value;
//   - "any" (any, ack) acknowledges with "ok";
//   - "bin" ([]byte, ack) acknowledges with the attachment's length;
//   - "relay" (json.RawMessage) broadcasts "relayed" with it to the others;
//   - "panic" panics, "sleep" (ms, ack) sleeps then acknowledges;
//   - handler errors are sent back as an "error" event with their text;
//   - each socket's disconnect reason and description go to reasons,
//     keyed by the "tag" of its auth payload.
type env struct {
	io   *socketio.Server
	ts   *httptest.Server
	url  string
	logs *logBuf

	mu      sync.Mutex
	reasons map[string]chan string
}

func newEnv(t testing.TB, opts *socketio.Options) *env {
	t.Helper()
	return newEnvHTTP(t, opts, nil)
}

// newEnvHTTP is newEnv with config applied to the http.Server before it
// starts.
func newEnvHTTP(t testing.TB, opts *socketio.Options, config func(*http.Server)) *env {
	t.Helper()
	e := &env{logs: &logBuf{}, reasons: map[string]chan string{}}
	o := socketio.Options{}
	if opts != nil {
		o = *opts
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	e.io = socketio.NewServer(&o)
	e.io.OnConnection(e.onConnection)
	e.ts = httptest.NewUnstartedServer(e.io)
	if config != nil {
		config(e.ts.Config)
	}
	e.ts.Start()
	e.url = e.ts.URL
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if err := e.io.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		e.ts.Close()
	})
	return e
}

func (e *env) onConnection(s *socketio.Socket) {
	var auth struct{ Tag string }
	_ = json.Unmarshal(s.Handshake().Auth, &auth)
	s.On("echo", func(msg string, ack socketio.AckFunc) { ack(msg) })
	s.On("num", func(v float64) { _ = s.Emit("got", v) })
	s.On("int", func(v int) { _ = s.Emit("got", v) })
	s.On("any", func(_ any, ack socketio.AckFunc) { ack("ok") })
	s.On("bin", func(b []byte, ack socketio.AckFunc) { ack(len(b)) })
	s.On("relay", func(v json.RawMessage) { _ = s.Broadcast().Emit("relayed", v) })
	s.On("panic", func() { panic("boom") })
	s.On("sleep", func(ms int, ack socketio.AckFunc) {
		time.Sleep(time.Duration(ms) * time.Millisecond)
		ack("slept")
	})
	s.OnError(func(err error) { _ = s.Emit("error", err.Error()) })
	if auth.Tag != "" {
		ch := e.reasonChan(auth.Tag)
		s.On("disconnect", func(reason, desc string) { ch <- strings.TrimSpace(reason + " " + desc) })
	}
}

func (e *env) reasonChan(tag string) chan string {
	e.mu.Lock()
	defer e.mu.Unlock()
	ch := e.reasons[tag]
	if ch == nil {
		ch = make(chan string, 1)
		e.reasons[tag] = ch
	}
	return ch
}

// reason waits for the disconnect reason of the socket tagged tag.
func (e *env) reason(t testing.TB, tag string) string {
	t.Helper()
	select {
	case r := <-e.reasonChan(tag):
		return r
	case <-time.After(wait):
		t.Fatalf("no disconnect for socket %q", tag)
		return ""
	}
}

// client dials over transport and joins "/" with the auth {"tag": tag}.
func (e *env) client(t testing.TB, transport, tag string) *eiotest.SIO {
	t.Helper()
	c := eiotest.DialSIO(t, e.url, eiotest.Options{Transport: transport})
	var auth any
	if tag != "" {
		auth = map[string]string{"tag": tag}
	}
	p, err := c.Connect("/", auth)
	if err != nil || p.Type != parser.Connect {
		t.Fatalf("%s client: CONNECT answered %v, %v", transport, p, err)
	}
	return c
}

// wire returns the text form of a packet, for comparisons with literals.
func wire(p *parser.Packet) string { return string(p.AppendText(nil)) }

// echo checks that c gets the ack of an "echo" within wait.
func echo(t testing.TB, c *eiotest.SIO, id uint64) error {
	t.Helper()
	if err := c.Emit("/", &id, "echo", "ping"); err != nil {
		return fmt.Errorf("emit: %w", err)
	}
	want := fmt.Sprintf(`3%d["ping"]`, id)
	deadline := time.Now().Add(wait)
	for {
		p, err := c.Next(time.Until(deadline))
		if err != nil {
			return fmt.Errorf("waiting for %s: %w", want, err)
		}
		if p.Type == parser.Ack && p.ID == id {
			if got := wire(p); got != want {
				return fmt.Errorf("ack %s, want %s", got, want)
			}
			return nil
		}
	}
}

// healthy checks that the server still serves: the bystander, connected
// before the hostile input, and a new client on each transport get their
// echo acknowledged.
func (e *env) healthy(t testing.TB, bystander *eiotest.SIO) {
	t.Helper()
	if bystander != nil {
		if err := echo(t, bystander, 7); err != nil {
			t.Errorf("bystander: %v", err)
		}
	}
	for _, tr := range transports {
		c := eiotest.DialSIO(t, e.url, eiotest.Options{Transport: tr})
		if p, err := c.Connect("/", nil); err != nil || p.Type != parser.Connect {
			t.Errorf("new %s client: CONNECT answered %v, %v", tr, p, err)
			continue
		}
		if err := echo(t, c, 1); err != nil {
			t.Errorf("new %s client: %v", tr, err)
		}
		c.Close()
	}
}

// expectClosed waits until the server ends c's connection.
func expectClosed(t testing.TB, c *eiotest.SIO) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		_, err := c.Next(time.Until(deadline))
		if errors.Is(err, eiotest.ErrClosed) {
			return
		}
		if err != nil {
			t.Fatalf("connection still open: %v", err)
		}
	}
}

// httpAnswer is the status and body of a raw request.
type httpAnswer struct {
	Status int
	Body   string
}

func do(t testing.TB, req *http.Request) httpAnswer {
	t.Helper()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: wait}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return httpAnswer{resp.StatusCode, b.String()}
}

// engineError is the JSON body of an Engine.IO refusal.
func engineError(code int, msg string) string {
	return fmt.Sprintf(`{"code":%d,"message":%q}`, code, msg)
}
