package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/duplexio/duplex/internal/testservice"
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

// TestMetricsBrokerOutageScraped: a duplex node on a Redis of the test's
// own shows, on /metrics, the broker up, down while that Redis is stopped,
// and up again with one outage counted.
func TestMetricsBrokerOutageScraped(t *testing.T) {
	t.Parallel()
	redis := testservice.StartRedis(t)
	url, _, _ := startServer(t, "--metrics", "--redis", redis.URL())
	scrapeUntil(t, url, `duplex_broker_up{broker="redis"} 1`)
	if err := redis.Stop(); err != nil {
		t.Fatal(err)
	}
	scrapeUntil(t, url, `duplex_broker_up{broker="redis"} 0`, `duplex_broker_outages_total{broker="redis"} 1`)
	if err := redis.Restart(); err != nil {
		t.Fatal(err)
	}
	scrapeUntil(t, url, `duplex_broker_up{broker="redis"} 1`, `duplex_broker_outages_total{broker="redis"} 1`)
}

// TestMetricsHeaderTooLargeScraped: a handshake whose header passes the
// binary's limit (16 KiB) but not net/http's slack is refused by the
// engine with 431 and counted by cause.
func TestMetricsHeaderTooLargeScraped(t *testing.T) {
	t.Parallel()
	url, _, _ := startServer(t, "--metrics")
	req, err := http.NewRequest("GET", url+"socket.io/?EIO=4&transport=polling", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Big", strings.Repeat("a", 17<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("status %d, want 431", resp.StatusCode)
	}
	scrapeUntil(t, url, `duplex_engine_handshakes_refused_total{cause="header_too_large",code="3",status="431"} 1`)
}

// scrapeUntil reads /metrics until every line of want is in it.
func scrapeUntil(t *testing.T, url string, want ...string) {
	t.Helper()
	var body string
	ok := func() bool {
		_, body = getBody(t, url+"metrics")
		for _, w := range want {
			if !strings.Contains(body, "\n"+w+"\n") {
				return false
			}
		}
		return true
	}
	deadline := time.Now().Add(wait)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("/metrics lacks %q:\n%s", want, grepLines(body, "duplex_broker", "refused"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func grepLines(s string, subs ...string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		for _, sub := range subs {
			if strings.Contains(l, sub) {
				out = append(out, l)
				break
			}
		}
	}
	return strings.Join(out, "\n")
}
