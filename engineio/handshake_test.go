package engineio_test

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/internal/eiotest"
)

var sidRE = regexp.MustCompile(`"sid":"([A-Za-z0-9_-]{20})"`)

// sidOf returns the sid of an OPEN payload and the payload with the sid
// replaced by SID, for comparison with a literal.
func sidOf(t testing.TB, open string) (sid, generic string) {
	t.Helper()
	m := sidRE.FindStringSubmatch(open)
	if m == nil {
		t.Fatalf("no 20-character URL-safe sid in %q", open)
	}
	return m[1], strings.Replace(open, m[1], "SID", 1)
}

func TestHandshakePolling(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, false)
	r := do(t, "GET", e.url("EIO=4&transport=polling"), "", nil)
	if r.status != http.StatusOK {
		t.Fatalf("status %d, body %q", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "text/plain; charset=UTF-8" {
		t.Errorf("Content-Type %q", ct)
	}
	sid, body := sidOf(t, r.body)
	const want = `0{"sid":"SID","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`
	if body != want {
		t.Errorf("body %q, want %q", body, want)
	}
	rc := e.next(t)
	if rc.s.ID() != sid {
		t.Errorf("Session.ID() %q, sid sent %q", rc.s.ID(), sid)
	}
	if got := rc.s.Transport(); got != "polling" {
		t.Errorf("Transport() %q", got)
	}
	if s := e.srv.Session(sid); s != rc.s {
		t.Errorf("Server.Session(%q) = %p, want %p", sid, s, rc.s)
	}
	if n := e.srv.Count(); n != 1 {
		t.Errorf("Count() = %d, want 1", n)
	}
}

func TestHandshakeWebSocket(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, false)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	ws, err := eiotest.DialWS(ctx, "ws"+strings.TrimPrefix(e.url("EIO=4&transport=websocket"), "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	f, err := ws.Recv(wait)
	if err != nil {
		t.Fatal(err)
	}
	if f.Binary {
		t.Error("OPEN sent as a binary frame")
	}
	sid, body := sidOf(t, string(f.Data))
	const want = `0{"sid":"SID","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`
	if body != want {
		t.Errorf("first frame %q, want %q", body, want)
	}
	rc := e.next(t)
	if rc.s.ID() != sid || rc.s.Transport() != "websocket" {
		t.Errorf("session %q over %q, want %q over websocket", rc.s.ID(), rc.s.Transport(), sid)
	}
}

func TestHandshakeOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts engineio.Options
		want string
	}{
		{"timings and size", engineio.Options{PingInterval: 300 * time.Millisecond, PingTimeout: 200 * time.Millisecond, MaxHTTPBufferSize: 1e4},
			`0{"sid":"SID","upgrades":["websocket"],"pingInterval":300,"pingTimeout":200,"maxPayload":10000}`},
		{"upgrades disabled", engineio.Options{DisableUpgrades: true},
			`0{"sid":"SID","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`},
		{"polling only", engineio.Options{Transports: []string{"polling"}},
			`0{"sid":"SID","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, &tt.opts, false)
			r := do(t, "GET", e.url("EIO=4&transport=polling"), "", nil)
			if _, body := sidOf(t, r.body); body != tt.want {
				t.Errorf("body %q, want %q", body, tt.want)
			}
		})
	}
}

func TestSIDsUnique(t *testing.T) {
	t.Parallel()
	e := newEnv(t, &engineio.Options{Transports: []string{"polling"}}, false)
	seen := map[string]bool{}
	for range 100 {
		sid, _ := sidOf(t, do(t, "GET", e.url("EIO=4&transport=polling"), "", nil).body)
		if seen[sid] {
			t.Fatalf("sid %q given twice", sid)
		}
		seen[sid] = true
	}
	if n := e.srv.Count(); n != 100 {
		t.Errorf("Count() = %d, want 100", n)
	}
}

func TestRequestErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, false)
	tests := []struct {
		name   string
		method string
		query  string
		header http.Header
		status int
		body   string
	}{
		{"unknown transport", "GET", "EIO=4&transport=foo", nil, 400, `{"code":0,"message":"Transport unknown"}`},
		{"no transport", "GET", "EIO=4", nil, 400, `{"code":0,"message":"Transport unknown"}`},
		{"unknown transport with sid", "GET", "EIO=4&transport=foo&sid=abc", nil, 400, `{"code":0,"message":"Transport unknown"}`},
		{"unknown sid", "GET", "EIO=4&transport=polling&sid=abc", nil, 400, `{"code":1,"message":"Session ID unknown"}`},
		{"unknown sid POST", "POST", "EIO=4&transport=polling&sid=abc", nil, 400, `{"code":1,"message":"Session ID unknown"}`},
		{"unknown sid websocket", "GET", "EIO=4&transport=websocket&sid=abc", wsHeader(), 400, `{"code":1,"message":"Session ID unknown"}`},
		{"POST handshake", "POST", "EIO=4&transport=polling", nil, 400, `{"code":2,"message":"Bad handshake method"}`},
		{"PUT handshake", "PUT", "EIO=4&transport=polling", nil, 400, `{"code":2,"message":"Bad handshake method"}`},
		{"websocket without Upgrade", "GET", "EIO=4&transport=websocket", nil, 400, `{"code":3,"message":"Bad request"}`},
		{"EIO=3", "GET", "EIO=3&transport=polling", nil, 400, `{"code":5,"message":"Unsupported protocol version"}`},
		{"no EIO", "GET", "transport=polling", nil, 400, `{"code":5,"message":"Unsupported protocol version"}`},
		{"EIO=3 websocket", "GET", "EIO=3&transport=websocket", wsHeader(), 400, `{"code":5,"message":"Unsupported protocol version"}`},
		{"EIO=5", "GET", "EIO=5&transport=polling", nil, 400, `{"code":5,"message":"Unsupported protocol version"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkError(t, do(t, tt.method, e.url(tt.query), "", tt.header), tt.status, tt.body)
		})
	}
	if n := e.srv.Count(); n != 0 {
		t.Errorf("Count() = %d after refused requests", n)
	}
}

func TestAllowRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		err    error
		status int
		body   string
	}{
		{"plain error", errors.New("go away"), 403, `{"code":4,"message":"go away"}`},
		{"RequestError", &engineio.RequestError{Status: 401, Code: 4, Message: "Unauthorized"}, 401, `{"code":4,"message":"Unauthorized"}`},
		{"RequestError defaults", &engineio.RequestError{Code: 3}, 400, `{"code":3,"message":"Bad request"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var seen http.Header
			e := newEnv(t, &engineio.Options{AllowRequest: func(r *http.Request) error {
				seen = r.Header.Clone()
				return tt.err
			}}, false)
			checkError(t, do(t, "GET", e.url("EIO=4&transport=polling"), "", http.Header{"X-Token": {"t1"}}), tt.status, tt.body)
			if got := seen.Get("X-Token"); got != "t1" {
				t.Errorf("AllowRequest saw X-Token %q", got)
			}
			checkError(t, do(t, "GET", e.url("EIO=4&transport=websocket"), "", wsHeader()), tt.status, tt.body)
			if n := e.srv.Count(); n != 0 {
				t.Errorf("Count() = %d", n)
			}
		})
	}
}

func TestAllowRequestAccepts(t *testing.T) {
	t.Parallel()
	calls := make(chan string, 10)
	e := newEnv(t, &engineio.Options{AllowRequest: func(r *http.Request) error {
		calls <- r.URL.Query().Get("transport")
		return nil
	}}, true)
	c, _ := e.dial(t, eiotest.Options{})
	c.Upgrade(t)
	c2, _ := e.dial(t, eiotest.Options{Transport: "websocket"})
	for _, c := range []*eiotest.Conn{c, c2} {
		if err := c.SendText("hi"); err != nil {
			t.Fatal(err)
		}
		if p, err := c.Recv(wait); err != nil || string(p.Data) != "hi" {
			t.Fatalf("echo: %v %q", err, p.Data)
		}
	}
	close(calls)
	var got []string
	for c := range calls {
		got = append(got, c)
	}
	// Asked for each handshake; an upgrade, like in Node's engine.io, is not
	// a handshake.
	if strings.Join(got, ",") != "polling,websocket" {
		t.Errorf("AllowRequest called for %v, want [polling websocket]", got)
	}
}

func TestTransportMismatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, false)
	pc, _ := e.dial(t, eiotest.Options{})
	wc, _ := e.dial(t, eiotest.Options{Transport: "websocket"})
	tests := []struct {
		name   string
		method string
		query  string
		header http.Header
	}{
		{"polling sid, websocket without Upgrade", "GET", "EIO=4&transport=websocket&sid=" + pc.SID(), nil},
		{"polling sid, DELETE", "DELETE", "EIO=4&transport=polling&sid=" + pc.SID(), nil},
		{"websocket sid, polling GET", "GET", "EIO=4&transport=polling&sid=" + wc.SID(), nil},
		{"websocket sid, polling POST", "POST", "EIO=4&transport=polling&sid=" + wc.SID(), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkError(t, do(t, tt.method, e.url(tt.query), "4x", tt.header), 400, `{"code":3,"message":"Bad request"}`)
		})
	} // A second WebSocket for a WebSocket session: the handshake completes
	// and the server closes it (Node's "transport had already been upgraded").
	expectClosed(t, dialRaw(t, e.wsURL("EIO=4&transport=websocket&sid="+wc.SID()), nil))
}

func TestMaxConnections(t *testing.T) {
	t.Parallel()
	e := newEnv(t, &engineio.Options{MaxConnections: 2}, false)
	c1, r1 := e.dial(t, eiotest.Options{})
	e.dial(t, eiotest.Options{Transport: "websocket"})
	checkError(t, do(t, "GET", e.url("EIO=4&transport=polling"), "", nil), 503, `{"code":4,"message":"Too many connections"}`)
	checkError(t, do(t, "GET", e.url("EIO=4&transport=websocket"), "", wsHeader()), 503, `{"code":4,"message":"Too many connections"}`)

	// A session that ends makes room for another.
	if err := c1.Send(closePacket); err != nil {
		t.Fatal(err)
	}
	r1.waitClose(t, engineio.ReasonTransportClose, nil)
	e.dial(t, eiotest.Options{})
}

func TestShutdownRefusesHandshakes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, false)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	checkError(t, do(t, "GET", e.url("EIO=4&transport=polling"), "", nil), 503, `{"code":4,"message":"Server is shutting down"}`)
	checkError(t, do(t, "GET", e.url("EIO=4&transport=websocket"), "", wsHeader()), 503, `{"code":4,"message":"Server is shutting down"}`)
}

func TestRequest(t *testing.T) {
	t.Parallel()
	for _, transport := range []string{"polling", "websocket"} {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil, false)
			_, r := e.dial(t, eiotest.Options{
				Transport: transport,
				Query:     map[string][]string{"token": {"abc"}},
				Header:    http.Header{"X-Custom": {"v1"}, "Cookie": {"k=v"}},
			})
			req := r.s.Request()
			if got := req.Header.Get("X-Custom"); got != "v1" {
				t.Errorf("header X-Custom %q", got)
			}
			if c, err := req.Cookie("k"); err != nil || c.Value != "v" {
				t.Errorf("cookie k: %v %v", c, err)
			}
			q := req.URL.Query()
			if q.Get("token") != "abc" || q.Get("EIO") != "4" || q.Get("transport") != transport {
				t.Errorf("query %v", q)
			}
			if req.RemoteAddr == "" {
				t.Error("no RemoteAddr")
			}
			if req.Context().Err() != nil {
				t.Error("the request's context is done: it outlives the handshake")
			}
			if time.Since(r.s.Created()) > time.Minute || r.s.Created().After(time.Now()) {
				t.Errorf("Created() %v", r.s.Created())
			}
		})
	}
}

func TestTransportsOption(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		transports []string
		query      string
		header     http.Header
	}{
		{"polling refused", []string{"websocket"}, "EIO=4&transport=polling", nil},
		{"websocket refused", []string{"polling"}, "EIO=4&transport=websocket", wsHeader()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, &engineio.Options{Transports: tt.transports}, false)
			checkError(t, do(t, "GET", e.url(tt.query), "", tt.header), 400, `{"code":0,"message":"Transport unknown"}`)
			e.dial(t, eiotest.Options{Transport: tt.transports[0]})
		})
	}
}

// MaxConnections holds under concurrent handshakes. The race window is
// small: rounds make a failure likely.
func TestMaxConnectionsConcurrent(t *testing.T) {
	t.Parallel()
	for round := range 100 {
		e := newEnv(t, &engineio.Options{MaxConnections: 4, Transports: []string{"polling"}}, false)
		if opened := concurrentHandshakes(t, e, 32); opened != 4 || e.srv.Count() != 4 {
			t.Fatalf("round %d: %d handshakes accepted, Count() = %d; want MaxConnections = 4", round, opened, e.srv.Count())
		}
	}
}

// concurrentHandshakes sends n polling handshakes at once and returns how
// many were accepted.
func concurrentHandshakes(t *testing.T, e *env, n int) (opened int) {
	start := make(chan struct{})
	statuses := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			resp, err := http.Get(e.url("EIO=4&transport=polling"))
			if err != nil {
				statuses <- -1
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		}()
	}
	close(start)
	wg.Wait()
	close(statuses)
	for s := range statuses {
		switch s {
		case 200:
			opened++
		case 503:
		default:
			t.Errorf("status %d", s)
		}
	}
	return opened
}
