package httpapi_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/duplexio/duplex/httpapi"
	"github.com/duplexio/duplex/socketio"
)

// BenchmarkEmit is the rate of POST /api/v1/emit over loopback HTTP with
// keep-alive, one request at a time, to a namespace with 10 Go clients
// (each request ends when the broadcast is queued; the clients' receipt is
// counted to check delivery, not waited for per request).
func BenchmarkEmit(b *testing.B) {
	n := startNode(b, socketio.NewServer(nil), nil)
	const clients = 10
	var got atomic.Int64
	for range clients {
		s := dial(b, n.url, "/", nil)
		s.On("tick", func(int) { got.Add(1) })
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	defer hc.CloseIdleConnections()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		req, _ := http.NewRequest("POST", n.url+"/api/v1/emit", strings.NewReader(fmt.Sprintf(`{"event":"tick","args":[%d]}`, i)))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	b.StopTimer()
	want := int64(b.N) * clients
	deadline := time.Now().Add(wait)
	for got.Load() < want && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got.Load() < want {
		b.Errorf("clients received %d events, want %d", got.Load(), want)
	}
}

// BenchmarkEmitHandler is the handler's own cost per emit, without HTTP:
// authentication, decoding and the broadcast to 10 clients' queues.
func BenchmarkEmitHandler(b *testing.B) {
	srv := socketio.NewServer(nil)
	n := startNode(b, srv, nil)
	for range 10 {
		s := dial(b, n.url, "/", nil)
		s.On("tick", func(int) {})
	}
	h := httpapi.New(srv, &httpapi.Options{Token: token})
	body := `{"event":"tick","args":[1]}`
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("POST", "/api/v1/emit", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("status %d", w.Code)
		}
	}
}
