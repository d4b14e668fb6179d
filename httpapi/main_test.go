package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/duplexio/duplex/client"
	"github.com/duplexio/duplex/httpapi"
	"github.com/duplexio/duplex/internal/testservice"
	"github.com/duplexio/duplex/internal/testtime"
	"github.com/duplexio/duplex/socketio"
)

// TestMain stops the Redis the cluster test started, then checks for
// leaked goroutines.
func TestMain(m *testing.M) { testservice.Main(m) }

const (
	wait  = testtime.Wait
	token = "s3cret-token"
)

// node is a Socket.IO server with the API mounted at /api/v1/.
type node struct {
	io  *socketio.Server
	url string
}

// startNode serves io's Socket.IO and its API; the test's cleanup stops
// both.
func startNode(t testing.TB, io *socketio.Server, opts *httpapi.Options) *node {
	t.Helper()
	if opts == nil {
		opts = &httpapi.Options{Token: token}
	}
	mux := http.NewServeMux()
	mux.Handle("/api/v1/", httpapi.New(io, opts))
	mux.Handle("/socket.io/", io)
	ts := httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		_ = io.Shutdown(ctx)
		ts.Close()
	})
	return &node{io: io, url: ts.URL}
}

// call makes a request with the token and returns the status and body.
func call(t testing.TB, method, url, body string) (int, string) {
	t.Helper()
	return callWith(t, method, url, body, "Bearer "+token)
}

func callWith(t testing.TB, method, url, body, auth string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, strings.TrimSuffix(string(b), "\n")
}

// dial connects a Go client to url's namespace nsp, closed at cleanup.
func dial(t testing.TB, url, nsp string, opts *client.Options) *client.Socket {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	s, err := client.Dial(ctx, url+nsp, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// expect checks a response against its literal status and body.
func expect(t testing.TB, what string, status int, body string, wantStatus int, wantBody string) {
	t.Helper()
	if status != wantStatus || body != wantBody {
		t.Errorf("%s = %d %s\nwant  %d %s", what, status, body, wantStatus, wantBody)
	}
}
