package metrics_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/metrics"
)

// TestCollectorRefusalCauses sends one request per cause of refusal to a
// server configured as the duplex binary configures its http.Server
// (MaxHeaderBytes), and reads each cause back from a scrape with the
// status the client got.
func TestCollectorRefusalCauses(t *testing.T) {
	t.Parallel()
	c := metrics.New()
	srv := engineio.NewServer(&engineio.Options{
		Observer:       c,
		MaxConnections: 1,
		CORS:           &engineio.CORS{Origins: []string{"https://app.example"}},
		AllowRequest: func(r *http.Request) error {
			if r.Header.Get("X-Deny") != "" {
				return errors.New("denied")
			}
			return nil
		},
	}, func(*engineio.Session) engineio.Receiver { return nopReceiver{} })
	ts := httptest.NewUnstartedServer(srv)
	ts.Config.MaxHeaderBytes = engineio.DefaultMaxHeaderBytes
	ts.Start()
	t.Cleanup(ts.Close)

	wsHeader := http.Header{"Upgrade": {"websocket"}, "Connection": {"Upgrade"}}
	for _, tc := range []struct {
		cause, method, query string
		header               http.Header
		status               int
	}{
		{engineio.RefusedHeaderTooLarge, "GET", "EIO=4&transport=polling", http.Header{"X-Big": {strings.Repeat("a", 17<<10)}}, 431},
		{engineio.RefusedTransport, "GET", "EIO=4&transport=carrier-pigeon", nil, 400},
		{engineio.RefusedNotUpgrade, "GET", "EIO=4&transport=websocket", nil, 400},
		{engineio.RefusedMethod, "PUT", "EIO=4&transport=polling", nil, 400},
		{engineio.RefusedOrigin, "GET", "EIO=4&transport=websocket", merge(wsHeader, "Origin", "https://evil.example"), 403},
		{engineio.RefusedByAllowRequest, "GET", "EIO=4&transport=polling", http.Header{"X-Deny": {"1"}}, 403},
		{engineio.RefusedVersion, "GET", "EIO=3&transport=polling", nil, 400},
		{engineio.RefusedWebSocket, "GET", "EIO=4&transport=websocket", wsHeader, 400}, // no Sec-WebSocket-Key
		{"", "GET", "EIO=4&transport=polling", nil, 200},                               // the one session allowed
		{engineio.RefusedMaxConnections, "GET", "EIO=4&transport=polling", nil, 503},
	} {
		if got := request(t, tc.method, ts.URL+"/?"+tc.query, tc.header); got != tc.status {
			t.Fatalf("%s: status %d, want %d", tc.cause, got, tc.status)
		}
		if tc.cause == "" {
			continue
		}
		// Told after the answer for a bad WebSocket handshake, which
		// the upgrader writes itself.
		eventually(t, "refused{cause="+tc.cause+"}", func() bool { return causeCount(t, c, tc.cause, tc.status) == 1 })
	}

	// Past MaxHeaderBytes and net/http's 4 KiB of slack, net/http answers
	// 431 itself: no handler runs, nothing is counted (docs/metrics.md).
	if got := request(t, "GET", ts.URL+"/?EIO=4&transport=polling", http.Header{"X-Big": {strings.Repeat("a", 24<<10)}}); got != 431 {
		t.Fatalf("a 24 KiB header: status %d, want 431", got)
	}
	if n := causeCount(t, c, engineio.RefusedHeaderTooLarge, 431); n != 1 {
		t.Errorf("net/http's own 431 counted: %v, want still 1", n)
	}

	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := request(t, "GET", ts.URL+"/?EIO=4&transport=polling", nil); got != 503 {
		t.Fatalf("after Shutdown: status %d, want 503", got)
	}
	if n := causeCount(t, c, engineio.RefusedShuttingDown, 503); n != 1 {
		t.Errorf("refused{shutting_down} = %v, want 1", n)
	}
}

// causeCount is the refusals counted for cause with status, whatever the
// Engine.IO code.
func causeCount(t *testing.T, c *metrics.Collector, cause string, status int) float64 {
	t.Helper()
	n := 0.0
	for _, m := range gather(t, c, "duplex_engine_handshakes_refused_total") {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		if labels["cause"] == cause && labels["status"] == strconv.Itoa(status) {
			n += m.GetCounter().GetValue()
		}
	}
	return n
}

func request(t *testing.T, method, url string, h http.Header) int {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func merge(h http.Header, k, v string) http.Header {
	m := h.Clone()
	m.Set(k, v)
	return m
}
