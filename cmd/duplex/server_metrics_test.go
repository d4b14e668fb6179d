package main

import (
	"net/http"
	"strings"
	"testing"
)

// TestMetricsEndpoint: /metrics serves the Prometheus text format with the
// server's metrics under --metrics, and is the app's 404 without it.
func TestMetricsEndpoint(t *testing.T) {
	t.Parallel()
	url, _, _ := startServer(t, "--metrics")
	healthOf(t, url) // a request, so that the registry has seen the server running
	resp, body := getBody(t, url+"metrics")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /metrics: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{"# TYPE duplex_engine_bytes_in_total counter", "go_goroutines"} {
		if !strings.Contains(body, want) {
			t.Errorf("GET /metrics lacks %q", want)
		}
	}

	url, _, _ = startServer(t)
	if resp, _ := getBody(t, url+"metrics"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /metrics without --metrics: %d, want 404", resp.StatusCode)
	}
}

// TestMetricsEnv: DUPLEX_METRICS turns the flag on, as for every flag.
func TestMetricsEnv(t *testing.T) {
	t.Parallel()
	cfg, err := parseConfig(nil, func(k string) string {
		if k == "DUPLEX_METRICS" {
			return "true"
		}
		return ""
	})
	if err != nil || !cfg.metrics {
		t.Fatalf("DUPLEX_METRICS=true: metrics %v, err %v", cfg != nil && cfg.metrics, err)
	}
}
