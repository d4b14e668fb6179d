package hardening_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/internal/eiotest"
	"github.com/duplexio/duplex/socketio"
)

// hostileHTTP are raw requests to the Engine.IO endpoint. {sid} in the
// query is replaced by the sid of a fresh polling session, {ws} by that of
// a WebSocket session; after is whether that session must still be open.
var hostileHTTP = []struct {
	name        string
	method      string
	query       string
	contentType string
	body        string
	status      int
	want        string
	after       string // "open", "closed" or "" (no session)
}{
	{"no transport", "GET", "EIO=4", "", "", 400, engineError(0, "Transport unknown"), ""},
	{"unknown transport", "GET", "EIO=4&transport=flashsocket", "", "", 400, engineError(0, "Transport unknown"), ""},
	{"EIO=3", "GET", "EIO=3&transport=polling", "", "", 400, engineError(5, "Unsupported protocol version"), ""},
	{"no EIO", "GET", "transport=polling", "", "", 400, engineError(5, "Unsupported protocol version"), ""},
	{"POST handshake", "POST", "EIO=4&transport=polling", "text/plain", "40", 400, engineError(2, "Bad handshake method"), ""},
	{"websocket without Upgrade", "GET", "EIO=4&transport=websocket", "", "", 400, engineError(3, "Bad request"), ""},
	{"unknown sid GET", "GET", "EIO=4&transport=polling&sid=AAAAAAAAAAAAAAAAAAAA", "", "", 400, engineError(1, "Session ID unknown"), ""},
	{"unknown sid POST", "POST", "EIO=4&transport=polling&sid=AAAAAAAAAAAAAAAAAAAA", "text/plain", "40", 400, engineError(1, "Session ID unknown"), ""},
	{"duplicate sid, unknown first", "GET", "EIO=4&transport=polling&sid=nope&sid={sid}", "", "", 400, engineError(1, "Session ID unknown"), "open"},
	{"PUT", "PUT", "EIO=4&transport=polling&sid={sid}", "text/plain", "40", 400, engineError(3, "Bad request"), "open"},
	{"websocket sid over polling GET", "GET", "EIO=4&transport=polling&sid={ws}", "", "", 400, engineError(3, "Bad request"), "open"},
	{"websocket sid over polling POST", "POST", "EIO=4&transport=polling&sid={ws}", "text/plain", "40", 400, engineError(3, "Bad request"), "open"},
	{"garbage body", "POST", "EIO=4&transport=polling&sid={sid}", "text/plain", "zzz", 400, engineError(3, "Bad request"), "closed"},
	{"empty body", "POST", "EIO=4&transport=polling&sid={sid}", "text/plain", "", 400, engineError(3, "Bad request"), "closed"},
	{"truncated payload", "POST", "EIO=4&transport=polling&sid={sid}", "text/plain", "40\x1e", 400, engineError(3, "Bad request"), "closed"},
	{"truncated base64", "POST", "EIO=4&transport=polling&sid={sid}", "text/plain", "bAQ", 400, engineError(3, "Bad request"), "closed"},
	{"binary content type", "POST", "EIO=4&transport=polling&sid={sid}", "application/octet-stream", "40", 400, engineError(3, "Bad request"), "closed"},
	{"oversized body", "POST", "EIO=4&transport=polling&sid={sid}", "text/plain", "4" + strings.Repeat("x", 1000), 413, "", "closed"},
	{"client ping", "POST", "EIO=4&transport=polling&sid={sid}", "text/plain", "2", 200, "ok", "closed"},
	{"unknown packet type", "POST", "EIO=4&transport=polling&sid={sid}", "text/plain", "9", 400, engineError(3, "Bad request"), "closed"},
	{"noop", "POST", "EIO=4&transport=polling&sid={sid}", "text/plain", "6", 200, "ok", "open"},
	{"close packet", "POST", "EIO=4&transport=polling&sid={sid}", "text/plain", "1", 200, "ok", "closed"},
}

// newLimitedEnv is the server of the raw-request tests: a 1000-byte
// MaxHTTPBufferSize and a short heartbeat, so slow bodies time out soon.
func newLimitedEnv(t testing.TB) *env {
	return newEnv(t, &socketio.Options{
		Engine: engineio.Options{
			MaxHTTPBufferSize: 1000,
			PingInterval:      300 * time.Millisecond,
			PingTimeout:       300 * time.Millisecond,
		},
	})
}

func TestHostileHTTP(t *testing.T) {
	t.Parallel()
	e := newLimitedEnv(t)
	bystander := e.client(t, "polling", "")
	for _, tt := range hostileHTTP {
		t.Run(tt.name, func(t *testing.T) {
			poll := eiotest.Dial(t, e.url, eiotest.Options{Path: "/socket.io/"})
			ws := eiotest.Dial(t, e.url, eiotest.Options{Path: "/socket.io/", Transport: "websocket"})
			sid := ""
			q := tt.query
			if strings.Contains(q, "{sid}") {
				sid = poll.SID()
			} else if strings.Contains(q, "{ws}") {
				sid = ws.SID()
			}
			q = strings.NewReplacer("{sid}", poll.SID(), "{ws}", ws.SID()).Replace(q)
			req, _ := http.NewRequest(tt.method, e.url+"/socket.io/?"+q, strings.NewReader(tt.body))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			if got := do(t, req); got != (httpAnswer{tt.status, tt.want}) {
				t.Errorf("answer %d %q, want %d %q", got.Status, got.Body, tt.status, tt.want)
			}
			if sid != "" {
				checkSession(t, e, sid, tt.after)
			}
		})
	}
	e.healthy(t, bystander)
}

// checkSession checks that the engine session sid is open or closed.
func checkSession(t *testing.T, e *env, sid, want string) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		open := e.io.Engine().Session(sid) != nil
		switch {
		case want == "open" && open, want == "closed" && !open:
			return
		case want == "open":
			t.Errorf("session %s closed, want open", sid)
			return
		case time.Now().After(deadline):
			t.Errorf("session %s still open, want closed", sid)
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestParallelGETs: a second poll while one is pending is refused and ends
// the session; the pending poll returns the close packet.
func TestParallelGETs(t *testing.T) {
	t.Parallel()
	e := newLimitedEnv(t)
	bystander := e.client(t, "websocket", "")
	sid := rawHandshake(t, e.url)
	first := make(chan httpAnswer, 1)
	go func() {
		req, _ := http.NewRequest("GET", e.url+"/socket.io/?EIO=4&transport=polling&sid="+sid, nil)
		first <- do(t, req)
	}()
	waitFor(t, "pending poll", func() bool { return e.io.Engine().Session(sid).WriteVolatile() })
	req, _ := http.NewRequest("GET", e.url+"/socket.io/?EIO=4&transport=polling&sid="+sid, nil)
	if got, want := do(t, req), (httpAnswer{400, engineError(3, "Bad request")}); got != want {
		t.Errorf("second GET: %v, want %v", got, want)
	}
	if got, want := <-first, (httpAnswer{200, "1"}); got != want {
		t.Errorf("first GET: %v, want %v", got, want)
	}
	e.healthy(t, bystander)
}

// TestPostAfterClose: a POST on a session the client closed is refused.
func TestPostAfterClose(t *testing.T) {
	t.Parallel()
	e := newLimitedEnv(t)
	sid := rawHandshake(t, e.url)
	post := func(body string) httpAnswer {
		req, _ := http.NewRequest("POST", e.url+"/socket.io/?EIO=4&transport=polling&sid="+sid, strings.NewReader(body))
		return do(t, req)
	}
	if got := post("1"); got != (httpAnswer{200, "ok"}) {
		t.Fatalf("close: %v", got)
	}
	if got, want := post("40"), (httpAnswer{400, engineError(1, "Session ID unknown")}); got != want {
		t.Errorf("POST after close: %v, want %v", got, want)
	}
	e.healthy(t, nil)
}

// TestSlowlorisPost: a POST whose body trickles in is cut off after
// pingInterval+pingTimeout, with 400 and the session closed; others are
// served meanwhile.
func TestSlowlorisPost(t *testing.T) {
	t.Parallel()
	e := newLimitedEnv(t)
	sid := rawHandshake(t, e.url)
	pr, pw := io.Pipe()
	defer pw.Close()
	req, _ := http.NewRequest("POST", e.url+"/socket.io/?EIO=4&transport=polling&sid="+sid, pr)
	req.ContentLength = 100
	go func() { _, _ = pw.Write([]byte("40")) }() // then nothing
	start := time.Now()
	got := do(t, req)
	if want := (httpAnswer{400, engineError(3, "Bad request")}); got != want {
		t.Errorf("slow POST: %v, want %v", got, want)
	}
	if d := time.Since(start); d < 500*time.Millisecond || d > 5*time.Second {
		t.Errorf("slow POST cut after %v, want pingInterval+pingTimeout (600ms)", d)
	}
	checkSession(t, e, sid, "closed")
	e.healthy(t, nil)
}

// rawHandshake opens a polling session by hand and returns its sid.
func rawHandshake(t testing.TB, url string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", url+"/socket.io/?EIO=4&transport=polling", nil)
	a := do(t, req)
	i := strings.Index(a.Body, `"sid":"`)
	if a.Status != 200 || i < 0 {
		t.Fatalf("handshake: %v", a)
	}
	return a.Body[i+7 : i+27]
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timeout waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
