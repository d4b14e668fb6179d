package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func get(t *testing.T, h http.Handler, path string, header ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, r *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAppServesThePage(t *testing.T) {
	t.Parallel()
	h, err := App("/custom/", ClientBundle)
	if err != nil {
		t.Fatal(err)
	}
	r := get(t, h, "/")
	page := body(t, r)
	if r.StatusCode != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
	for _, want := range []string{`<meta name="socketio-path" content="/custom/">`, `<script src="/custom/socket.io.min.js" defer>`, `<script src="app.js" defer>`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
	for path, ctype := range map[string]string{"/app.js": "text/javascript", "/style.css": "text/css", "/favicon.svg": "image/svg+xml"} {
		if r := get(t, h, path); r.StatusCode != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), ctype) {
			t.Errorf("GET %s: %d %q, want 200 %s", path, r.StatusCode, r.Header.Get("Content-Type"), ctype)
		}
	}
	if r := get(t, h, "/nope.js"); r.StatusCode != http.StatusNotFound {
		t.Errorf("GET /nope.js: %d, want 404", r.StatusCode)
	}
}

func TestClientBundle(t *testing.T) {
	t.Parallel()
	const js = "/*! socket.io-client */ var io;"
	fsys := fstest.MapFS{"vendor/socket.io.min.js": {Data: []byte(js)}}
	h := clientHandler(fsys, "vendor")

	r := get(t, h, "/socket.io/socket.io.min.js")
	if got := body(t, r); r.StatusCode != http.StatusOK || got != js {
		t.Fatalf("bundle: %d %q", r.StatusCode, got)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/javascript; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	etag := r.Header.Get("ETag")
	if r := get(t, h, "/socket.io/socket.io.min.js", "If-None-Match", etag); etag == "" || r.StatusCode != http.StatusNotModified {
		t.Errorf("conditional GET with ETag %q: %d, want 304", etag, r.StatusCode)
	}
	if r := get(t, h, "/socket.io/socket.io.min.js.map"); r.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("missing map: %d, want 503", r.StatusCode)
	}
	if r := get(t, h, "/socket.io/other.js"); r.StatusCode != http.StatusNotFound {
		t.Errorf("other file: %d, want 404", r.StatusCode)
	}
}

func TestClientBundleMissing(t *testing.T) {
	t.Parallel()
	h := clientHandler(fstest.MapFS{"vendor/README.md": {}}, "vendor")
	r := get(t, h, "/socket.io/socket.io.min.js")
	if msg := body(t, r); r.StatusCode != http.StatusServiceUnavailable || !strings.Contains(msg, "make build") {
		t.Errorf("no bundle: %d %q, want 503 telling to run make build", r.StatusCode, msg)
	}
}

// TestEmbeddedClientBundle checks the binary's own bundle: served when
// `make build` put it in vendor/, 503 otherwise.
func TestEmbeddedClientBundle(t *testing.T) {
	t.Parallel()
	r := get(t, Client(), "/socket.io/socket.io.min.js")
	b := body(t, r)
	if !HasClient() {
		if r.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("no embedded bundle: %d, want 503", r.StatusCode)
		}
		t.Skip("client bundle not embedded: run make build")
	}
	if r.StatusCode != http.StatusOK || !strings.Contains(b, "Socket.IO") {
		t.Errorf("embedded bundle: %d, %d bytes, want the socket.io client", r.StatusCode, len(b))
	}
}

// The msgpack bundle is served beside the default one, and the page of a
// msgpack server loads it.
func TestMsgpackClientBundle(t *testing.T) {
	t.Parallel()
	const js = "/*! socket.io-client msgpack */ var io;"
	fsys := fstest.MapFS{"vendor/socket.io.msgpack.min.js": {Data: []byte(js)}}
	r := get(t, clientHandler(fsys, "vendor"), "/socket.io/socket.io.msgpack.min.js")
	if got := body(t, r); r.StatusCode != http.StatusOK || got != js {
		t.Fatalf("msgpack bundle: %d %q", r.StatusCode, got)
	}
	h, err := App("/socket.io/", MsgpackClientBundle)
	if err != nil {
		t.Fatal(err)
	}
	if page := body(t, get(t, h, "/")); !strings.Contains(page, `<script src="/socket.io/socket.io.msgpack.min.js" defer>`) {
		t.Errorf("page does not load the msgpack bundle: %.300q", page)
	}
}
