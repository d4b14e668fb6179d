package hardening_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lxzan/gws"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/internal/eiotest"
	"github.com/duplexio/duplex/socketio"
)

// TestHandlerPanic: a panicking handler is logged with its event name; the
// socket and the server go on.
func TestHandlerPanic(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	for _, tr := range transports {
		c := e.client(t, tr, "panic/"+tr)
		if err := c.Emit("/", nil, "panic"); err != nil {
			t.Fatal(err)
		}
		if err := echo(t, c, 2); err != nil {
			t.Errorf("%s: socket after a panic: %v", tr, err)
		}
	}
	recs := e.logs.records("socketio: panic in handler")
	if len(recs) != 2 {
		t.Fatalf("%d panic records, want 2", len(recs))
	}
	for _, r := range recs {
		if r["handler"] != "panic" || r["panic"] != "boom" || !strings.Contains(r["stack"].(string), "hardening_test") {
			t.Errorf("panic record %v: want handler=panic panic=boom and the stack", r)
		}
	}
	e.healthy(t, nil)
}

// TestMaxConnections: past MaxConnections a handshake gets 503 with the
// engine's JSON error, over both transports; a freed slot is reusable.
func TestMaxConnections(t *testing.T) {
	t.Parallel()
	e := newEnv(t, &socketio.Options{Engine: engineio.Options{MaxConnections: 2}})
	a := e.client(t, "polling", "")
	b := e.client(t, "websocket", "")
	want := engineError(4, "Too many connections")
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	for _, tr := range transports {
		_, err := eiotest.DialContext(ctx, e.url, eiotest.Options{Transport: tr, Path: "/socket.io/"})
		var he *eiotest.HTTPError
		if !errors.As(err, &he) || he.Status != 503 || he.Body != want || he.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s handshake over the limit: %v, want 503 %s", tr, err, want)
		}
	}
	for _, c := range []*eiotest.SIO{a, b} {
		if err := echo(t, c, 1); err != nil {
			t.Errorf("connected client: %v", err)
		}
	}
	b.Close()
	waitFor(t, "slot freed", func() bool { return e.io.Engine().Count() == 1 })
	c := e.client(t, "websocket", "")
	if err := echo(t, c, 1); err != nil {
		t.Error(err)
	}
}

// TestGracefulShutdown: Shutdown refuses new sessions at once, lets an
// event handler that is running finish and its ack reach the client, then
// closes every connection, and returns when all is done.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			c := e.client(t, tr, "shutdown")
			id := uint64(4)
			if err := c.Emit("/", &id, "sleep", 500); err != nil {
				t.Fatal(err)
			}
			time.Sleep(100 * time.Millisecond) // the handler is running
			done := make(chan error, 1)
			start := time.Now()
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), wait)
				defer cancel()
				done <- e.io.Shutdown(ctx)
			}()
			waitFor(t, "refusal", func() bool {
				req, _ := http.NewRequest("GET", e.url+"/socket.io/?EIO=4&transport=polling", nil)
				return do(t, req) == httpAnswer{503, engineError(4, "Server is shutting down")}
			})
			p, err := c.Next(wait)
			if err != nil || wire(p) != `34["slept"]` {
				t.Errorf("in-flight ack: got %v, %v; want 34[\"slept\"] before the close", p, err)
			}
			expectClosed(t, c)
			if err := <-done; err != nil {
				t.Errorf("Shutdown: %v", err)
			}
			if d := time.Since(start); d < 300*time.Millisecond {
				t.Errorf("Shutdown returned after %v, before the handler", d)
			}
			if got := e.reason(t, "shutdown"); got != "server shutting down" {
				t.Errorf("reason %q", got)
			}
		})
	}
}

// TestShutdownDeadline: a handler that outlives the deadline makes
// Shutdown return the context's error; the connections are closed anyway.
func TestShutdownDeadline(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	c := e.client(t, "websocket", "")
	if err := c.Emit("/", nil, "sleep", 1500); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := e.io.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown: %v, want DeadlineExceeded", err)
	}
	expectClosed(t, c)
}

var sidRE = regexp.MustCompile(`^[A-Za-z0-9_-]{20}$`)

// TestSessionIDs: 2,000 handshakes give 2,000 distinct 120-bit ids
// (crypto/rand, internal/sid); socket ids too.
func TestSessionIDs(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	seen := map[string]bool{}
	for range 2000 {
		sid := rawHandshake(t, e.url)
		if !sidRE.MatchString(sid) || seen[sid] {
			t.Fatalf("sid %q: malformed or repeated", sid)
		}
		seen[sid] = true
	}
}

// TestCORSAndOrigin: no CORS headers unless configured; a WebSocket from a
// foreign page is refused unless CORS allows its origin.
func TestCORSAndOrigin(t *testing.T) {
	t.Parallel()
	plain := newEnv(t, nil)
	cors := newEnv(t, &socketio.Options{Engine: engineio.Options{CORS: &engineio.CORS{Origins: []string{"https://good.example"}}}})
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()

	req, _ := http.NewRequest("GET", plain.url+"/socket.io/?EIO=4&transport=polling", nil)
	req.Header.Set("Origin", "https://evil.example")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for k := range resp.Header {
		if strings.HasPrefix(k, "Access-Control-") {
			t.Errorf("CORS header %s without CORS options", k)
		}
	}

	for _, tt := range []struct {
		e      *env
		origin string
		ok     bool
	}{
		{plain, "", true},
		{plain, plain.url, true},
		{plain, "https://evil.example", false},
		{cors, "https://good.example", true},
		{cors, "https://evil.example", false},
		{cors, "null", false},
	} {
		h := http.Header{}
		if tt.origin != "" {
			h.Set("Origin", tt.origin)
		}
		ws, err := eiotest.DialWS(ctx, tt.e.wsURL(""), h)
		if tt.ok {
			if err != nil {
				t.Errorf("origin %q: %v", tt.origin, err)
			} else {
				ws.Close()
			}
			continue
		}
		var he *eiotest.HTTPError
		if !errors.As(err, &he) || he.Status != 403 || he.Body != engineError(4, "Origin not allowed") {
			t.Errorf("origin %q: %v, want 403 %s", tt.origin, err, engineError(4, "Origin not allowed"))
		}
	}

	// An upgrade from a foreign page is refused too.
	c := cors.client(t, "polling", "")
	h := http.Header{"Origin": {"https://evil.example"}}
	_, err = eiotest.DialWS(ctx, cors.wsURL("&sid="+c.SID()), h)
	var he *eiotest.HTTPError
	if !errors.As(err, &he) || he.Status != 400 || he.Body != engineError(3, "Bad request") {
		t.Errorf("cross-site upgrade: %v, want 400", err)
	}
	if err := echo(t, c, 1); err != nil {
		t.Error(err)
	}
}

// TestTLS: the server runs behind the standard library's TLS, over both
// transports, and the handshake says the connection is secure.
func TestTLS(t *testing.T) {
	t.Parallel()
	srv := socketio.NewServer(nil)
	secure := make(chan bool, 2)
	srv.OnConnection(func(s *socketio.Socket) { secure <- s.Handshake().Secure })
	ts := httptest.NewTLSServer(srv)
	t.Cleanup(func() {
		_ = srv.Close()
		ts.Close()
	})
	// polling over https
	client := ts.Client()
	get := func(q string) string {
		resp, err := client.Get(ts.URL + "/socket.io/?EIO=4&transport=polling" + q)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	open := get("")
	sid := open[strings.Index(open, `"sid":"`)+7:][:20]
	resp, err := client.Post(ts.URL+"/socket.io/?EIO=4&transport=polling&sid="+sid, "text/plain", strings.NewReader("40"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := get("&sid=" + sid); !strings.HasPrefix(got, `40{"sid":`) {
		t.Errorf("CONNECT over https: %q", got)
	}
	// websocket over wss
	pool := x509.NewCertPool()
	pool.AddCert(ts.Certificate())
	frames := make(chan string, 4)
	conn, _, err := gws.NewClient(&tlsHandler{frames}, &gws.ClientOption{
		Addr:      "wss" + strings.TrimPrefix(ts.URL, "https") + "/socket.io/?EIO=4&transport=websocket",
		TlsConfig: &tls.Config{RootCAs: pool},
	})
	if err != nil {
		t.Fatal(err)
	}
	go conn.ReadLoop()
	defer conn.NetConn().Close()
	<-frames // OPEN
	_ = conn.WriteString("40")
	if got := <-frames; !strings.HasPrefix(got, `40{"sid":`) {
		t.Errorf("CONNECT over wss: %q", got)
	}
	for range 2 {
		if !<-secure {
			t.Error("Handshake().Secure is false over TLS")
		}
	}
	_ = conn.WriteClose(1000, nil)
}

type tlsHandler struct{ frames chan string }

func (h *tlsHandler) OnOpen(*gws.Conn)         {}
func (h *tlsHandler) OnClose(*gws.Conn, error) {}
func (h *tlsHandler) OnPing(*gws.Conn, []byte) {}
func (h *tlsHandler) OnPong(*gws.Conn, []byte) {}
func (h *tlsHandler) OnMessage(_ *gws.Conn, m *gws.Message) {
	h.frames <- m.Data.String()
	m.Close()
}
