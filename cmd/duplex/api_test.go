package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func postAPI(t *testing.T, url, auth, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("POST", url+"api/v1/emit", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

// TestAPIOffByDefault: without --api-token there is no API to call.
func TestAPIOffByDefault(t *testing.T) {
	url, _, _ := startServer(t)
	status, body := postAPI(t, url, "Bearer ", `{"event":"e"}`)
	if status != http.StatusNotFound {
		t.Errorf("POST /api/v1/emit without --api-token = %d %s, want 404", status, body)
	}
}

// TestAPIToken: --api-token serves /api/v1/ to requests with the token.
func TestAPIToken(t *testing.T) {
	url, _, _ := startServer(t, "--api-token", "tok")
	if status, _ := postAPI(t, url, "", `{"event":"e"}`); status != http.StatusUnauthorized {
		t.Errorf("without the token: %d, want 401", status)
	}
	if status, body := postAPI(t, url, "Bearer tok", `{"event":"e","args":[1]}`); status != http.StatusOK || body != `{"ok":true}` {
		t.Errorf("with the token: %d %s, want 200 {\"ok\":true}", status, body)
	}
}

func TestAPITokenFromEnv(t *testing.T) {
	cfg, err := parseConfig(nil, func(k string) string {
		if k == "DUPLEX_API_TOKEN" {
			return "from-env"
		}
		return ""
	})
	if err != nil || cfg.apiToken != "from-env" {
		t.Fatalf("DUPLEX_API_TOKEN: %v, token %q", err, cfg.apiToken)
	}
}

// TestAPIBodyFollowsMaxPayload: an emit as large as --max-payload fits.
func TestAPIBodyFollowsMaxPayload(t *testing.T) {
	url, _, _ := startServer(t, "--api-token", "tok", "--max-payload", "3000000")
	big := `{"event":"e","args":["` + strings.Repeat("x", 2_000_000) + `"]}`
	if status, body := postAPI(t, url, "Bearer tok", big); status != http.StatusOK {
		t.Errorf("2 MB emit with --max-payload 3000000: %d %s, want 200", status, body)
	}
	over := `{"event":"e","args":["` + strings.Repeat("x", 3_000_000) + `"]}`
	if status, body := postAPI(t, url, "Bearer tok", over); status != http.StatusRequestEntityTooLarge {
		t.Errorf("3 MB emit with --max-payload 3000000: %d %s, want 413", status, body)
	}
}
