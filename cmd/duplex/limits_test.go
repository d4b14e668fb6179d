package main

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/duplexio/duplex/internal/eiotest"
)

// --max-connections caps the sessions: beyond it, handshakes over either
// transport get the engine's 503, and the log says so once.
func TestServerMaxConnections(t *testing.T) {
	url, logs, _ := startServer(t, "--max-connections", "2")
	for i := 0; i < 2; i++ {
		c := eiotest.DialSIO(t, url, eiotest.Options{Transport: "websocket"})
		t.Cleanup(c.Close)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	for i := 0; i < 5; i++ {
		for _, transport := range []string{"websocket", "polling"} {
			_, err := eiotest.DialContext(ctx, url, eiotest.Options{Path: "/socket.io/", Transport: transport})
			var he *eiotest.HTTPError
			if !errors.As(err, &he) || he.Status != http.StatusServiceUnavailable || he.Body != `{"code":4,"message":"Too many connections"}` {
				t.Fatalf("%s handshake over the limit: %v, want the engine's 503", transport, err)
			}
		}
	}
	if n := strings.Count(logs.String(), "connection limit reached"); n != 1 {
		t.Errorf("%d log lines for the limit after 10 refusals, want 1:\n%s", n, logs.String())
	}
	if h := healthOf(t, url); h.Connections != 2 {
		t.Errorf("health %+v, want 2 connections", h)
	}
}

// Request headers are bounded as Node bounds them (16 KiB), not by
// net/http's 1 MiB default.
func TestServerMaxHeaderBytes(t *testing.T) {
	url, _, _ := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", url+"socket.io/?EIO=4&transport=polling", nil)
	req.Header.Set("X-Big", strings.Repeat("x", 1_000_000))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("1 MB header: %d, want 431", resp.StatusCode)
	}
	if h := healthOf(t, url); h.Connections != 0 {
		t.Errorf("health %+v after a refused handshake", h)
	}
}
