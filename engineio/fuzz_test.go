package engineio_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/engineio/packet"
)

// panicLog records what net/http logs, which includes the handler panics
// it recovers.
type panicLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *panicLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, string(p))
	return len(p), nil
}

func (l *panicLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	lines := l.lines
	l.lines = nil
	return lines
}

// fuzzStatuses are the answers the server may give: 101 for a WebSocket,
// 200 for polling, 204 for a CORS preflight, 400/403 for refusals (JSON),
// 413 for a POST over MaxHTTPBufferSize, 431 for a query past
// MaxHeaderBytes. 503 needs MaxConnections or a Shutdown, which the
// fuzzed server does not have.
var fuzzStatuses = map[int]bool{101: true, 200: true, 204: true, 400: true, 403: true, 413: true, 431: true}

// FuzzServeHTTP sends arbitrary requests to a server over HTTP: it must
// never panic, answer every request in bounded time and with a status of
// fuzzStatuses, and give refusals a JSON body. With withSID the request
// carries the sid of a fresh polling session.
func FuzzServeHTTP(f *testing.F) {
	seeds := []struct {
		method, query       string
		body                string
		contentType, origin string
		upgrade, withSID    bool
	}{
		{"GET", "EIO=4&transport=polling", "", "", "", false, false},
		{"GET", "EIO=4&transport=websocket", "", "", "", true, false},
		{"GET", "EIO=4&transport=websocket", "", "", "https://evil.example", true, false},
		{"GET", "EIO=3&transport=polling", "", "", "", false, false},
		{"POST", "EIO=4&transport=polling", "4hello", "text/plain", "", false, true},
		{"POST", "EIO=4&transport=polling", "4a\x1ebAQID\x1e1", "text/plain", "", false, true},
		{"POST", "EIO=4&transport=polling", "garbage", "", "", false, true},
		{"POST", "EIO=4&transport=polling", "\x01\x02", "application/octet-stream", "", false, true},
		{"POST", "EIO=4&transport=polling", strings.Repeat("4", 2000), "", "", false, true},
		{"GET", "EIO=4&transport=polling", "", "", "", false, true},
		{"GET", "EIO=4&transport=websocket", "", "", "", true, true},
		{"GET", "EIO=4&transport=websocket", "", "", "", false, true},
		{"OPTIONS", "EIO=4&transport=polling", "", "", "https://a.example", false, false},
		{"DELETE", "EIO=4&transport=polling", "", "", "", false, true},
		{"GET", "transport=foo&sid=x", "", "", "", false, false},
		{"HEAD", "EIO=4&transport=polling", "", "", "", false, false},
		{"GET", "EIO=4&transport=polling&transport=websocket", "", "", "", false, false},
		{"GET", "%zz", "", "", "", false, false},
		{"0", " ", "0", "0", "0", false, true},                        // refused by net/http itself
		{"0", "transport=websocket", "", "", "", true, true},          // refused by gws
		{"POST", "EIO=4&transport=websocket", "", "", "", true, true}, // refused by gws
	}
	for _, s := range seeds {
		f.Add(s.method, s.query, []byte(s.body), s.contentType, s.origin, s.upgrade, s.withSID)
	}

	logs := &panicLog{}
	srv := engineio.NewServer(&engineio.Options{
		PingInterval:      100 * time.Millisecond, // polls and abandoned sessions end soon
		PingTimeout:       100 * time.Millisecond,
		UpgradeTimeout:    100 * time.Millisecond,
		MaxHTTPBufferSize: 1000,
		CORS:              &engineio.CORS{Origins: []string{"https://a.example"}},
	}, func(s *engineio.Session) engineio.Receiver { return echo{s} })
	var served atomic.Int64 // requests that reached srv, not refused by net/http
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		srv.ServeHTTP(w, r)
	}))
	ts.Config.ErrorLog = log.New(logs, "", 0)
	ts.Start()
	f.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			f.Errorf("Shutdown: %v", err)
		}
		ts.Close()
	})
	client := ts.Client()

	f.Fuzz(func(t *testing.T, method, query string, body []byte, contentType, origin string, upgrade, withSID bool) {
		if withSID {
			sid, err := fuzzHandshake(client, ts.URL)
			if err != nil {
				t.Fatalf("handshake: %v", err)
			}
			query += "&sid=" + sid
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, method, ts.URL+"/engine.io/?"+query, bytes.NewReader(body))
		if err != nil {
			return // not a request a client can send
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		if upgrade {
			for k, v := range wsHeader() {
				req.Header[k] = v
			}
		}
		before := served.Load()
		resp, err := client.Do(req)
		if lines := logs.take(); len(lines) > 0 {
			t.Fatalf("server logged %q", lines)
		}
		if errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("%s ?%s: no answer within 5s", method, query)
		}
		if err != nil {
			return // refused by the client (invalid header, method...)
		}
		defer resp.Body.Close()
		if served.Load() == before {
			return // answered by net/http: a malformed request
		}
		if !fuzzStatuses[resp.StatusCode] {
			t.Fatalf("%s ?%s: status %d", method, query, resp.StatusCode)
		}
		if resp.StatusCode == 101 {
			return // closing the body closes the WebSocket
		}
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("reading the answer: %v", err)
		}
		checkFuzzAnswer(t, req, resp, b)
	})
}

func checkFuzzAnswer(t *testing.T, req *http.Request, resp *http.Response, body []byte) {
	t.Helper()
	switch {
	case req.Method == "HEAD":
	case resp.StatusCode == 400 && req.Header.Get("Upgrade") != "" && strings.HasPrefix(string(body), "gws: "):
		// A WebSocket handshake that gws finds malformed (not GET, no
		// key...) is answered in plain text by gws, as Node's ws does.
	case resp.StatusCode == 400 || resp.StatusCode == 403:
		var e struct {
			Code    *int    `json:"code"`
			Message *string `json:"message"`
		}
		if json.Unmarshal(body, &e) != nil || e.Code == nil || e.Message == nil {
			t.Fatalf("refusal body %q, want {\"code\":N,\"message\":...}", body)
		}
	case resp.StatusCode == 200 && req.Method == "GET":
		if _, err := packet.DecodePayload(body); err != nil {
			t.Fatalf("poll answer %q: %v", body, err)
		}
	case resp.StatusCode == 200 && req.Method == "POST":
		if string(body) != "ok" {
			t.Fatalf("POST answered %q", body)
		}
	}
}

func fuzzHandshake(client *http.Client, base string) (string, error) {
	resp, err := client.Get(base + "/engine.io/?EIO=4&transport=polling")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	m := sidRE.FindSubmatch(b)
	if m == nil {
		return "", errors.New("no sid in " + string(b))
	}
	return string(m[1]), nil
}

// echo writes every message back.
type echo struct{ s *engineio.Session }

func (e echo) OnMessage(data []byte, binary bool) {
	_ = e.s.Write(engineio.Message{Data: bytes.Clone(data), Binary: binary})
}

func (echo) OnClose(string, error) {}
