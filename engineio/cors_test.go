package engineio_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/internal/eiotest"
)

var corsHeaders = []string{
	"Access-Control-Allow-Origin",
	"Access-Control-Allow-Credentials",
	"Access-Control-Allow-Methods",
	"Access-Control-Allow-Headers",
	"Access-Control-Max-Age",
}

// checkCORS compares the Access-Control headers of h with want (absent
// headers: "").
func checkCORS(t testing.TB, h http.Header, want map[string]string) {
	t.Helper()
	for _, k := range corsHeaders {
		if got := h.Get(k); got != want[k] {
			t.Errorf("%s: %q, want %q", k, got, want[k])
		}
	}
}

func TestCORS(t *testing.T) {
	t.Parallel()
	a := &engineio.CORS{Origins: []string{"https://a.example"}}
	tests := []struct {
		name   string
		cors   *engineio.CORS
		method string
		header http.Header
		status int
		want   map[string]string
		vary   string
	}{
		{"no option", nil, "GET", http.Header{"Origin": {"https://a.example"}}, 200, nil, ""},
		{"no option, preflight", nil, "OPTIONS", http.Header{"Origin": {"https://a.example"}}, 400, nil, ""},
		{"allowed origin", a, "GET", http.Header{"Origin": {"https://a.example"}}, 200,
			map[string]string{"Access-Control-Allow-Origin": "https://a.example"}, "Origin"},
		{"other origin", a, "GET", http.Header{"Origin": {"https://b.example"}}, 200, nil, ""},
		{"no origin", a, "GET", nil, 200, nil, ""},
		{"preflight", a, "OPTIONS", http.Header{"Origin": {"https://a.example"}, "Access-Control-Request-Headers": {"x-token"}}, 204,
			map[string]string{
				"Access-Control-Allow-Origin":  "https://a.example",
				"Access-Control-Allow-Methods": "GET,HEAD,PUT,PATCH,POST,DELETE",
				"Access-Control-Allow-Headers": "x-token",
			}, "Origin, Access-Control-Request-Headers"},
		{"preflight from other origin", a, "OPTIONS", http.Header{"Origin": {"https://b.example"}}, 204, nil, ""},
		{"any origin", &engineio.CORS{Origins: []string{"*"}}, "GET", http.Header{"Origin": {"https://b.example"}}, 200,
			map[string]string{"Access-Control-Allow-Origin": "*"}, ""},
		{"any origin with credentials", &engineio.CORS{Origins: []string{"*"}, Credentials: true}, "GET", http.Header{"Origin": {"https://b.example"}}, 200,
			map[string]string{"Access-Control-Allow-Origin": "https://b.example", "Access-Control-Allow-Credentials": "true"}, "Origin"},
		{"AllowOrigin func", &engineio.CORS{AllowOrigin: func(o string) bool { return strings.HasSuffix(o, ".example") }}, "GET", http.Header{"Origin": {"https://c.example"}}, 200,
			map[string]string{"Access-Control-Allow-Origin": "https://c.example"}, "Origin"},
		{"preflight with options", &engineio.CORS{Origins: []string{"https://a.example"}, Headers: []string{"x-a", "x-b"}, MaxAge: time.Hour, Credentials: true},
			"OPTIONS", http.Header{"Origin": {"https://a.example"}, "Access-Control-Request-Headers": {"x-token"}}, 204,
			map[string]string{
				"Access-Control-Allow-Origin":      "https://a.example",
				"Access-Control-Allow-Credentials": "true",
				"Access-Control-Allow-Methods":     "GET,HEAD,PUT,PATCH,POST,DELETE",
				"Access-Control-Allow-Headers":     "x-a,x-b",
				"Access-Control-Max-Age":           "3600",
			}, "Origin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, &engineio.Options{CORS: tt.cors}, false)
			r := do(t, tt.method, e.url("EIO=4&transport=polling"), "", tt.header)
			if r.status != tt.status {
				t.Errorf("status %d (%q), want %d", r.status, r.body, tt.status)
			}
			checkCORS(t, r.header, tt.want)
			if got := strings.Join(r.header.Values("Vary"), ", "); got != tt.vary {
				t.Errorf("Vary %q, want %q", got, tt.vary)
			}
			if tt.status == 204 && r.body != "" {
				t.Errorf("preflight body %q", r.body)
			}
		})
	}
}

// Error answers carry the CORS headers too, so that a page can read them.
func TestCORSOnErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, &engineio.Options{CORS: &engineio.CORS{Origins: []string{"https://a.example"}}}, false)
	r := do(t, "GET", e.url("EIO=4&transport=polling&sid=nope"), "", http.Header{"Origin": {"https://a.example"}})
	checkError(t, r, 400, `{"code":1,"message":"Session ID unknown"}`)
	checkCORS(t, r.header, map[string]string{"Access-Control-Allow-Origin": "https://a.example"})
}

func TestWebSocketOrigin(t *testing.T) {
	t.Parallel()
	a := &engineio.CORS{Origins: []string{"https://a.example"}}
	tests := []struct {
		name   string
		cors   *engineio.CORS
		origin string // "SELF" for the server's own origin
		ok     bool
	}{
		{"no origin", nil, "", true},
		{"own origin", nil, "SELF", true},
		{"cross-site without CORS", nil, "https://evil.example", false},
		{"malformed origin", nil, "::", false},
		{"CORS origin", a, "https://a.example", true},
		{"other origin with CORS", a, "https://evil.example", false},
		{"no origin with CORS", a, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, &engineio.Options{CORS: tt.cors}, false)
			h := http.Header{}
			switch tt.origin {
			case "":
			case "SELF":
				h.Set("Origin", e.ts.URL)
			default:
				h.Set("Origin", tt.origin)
			}
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			c, err := eiotest.DialContext(ctx, e.ts.URL, eiotest.Options{Transport: "websocket", Header: h})
			if tt.ok {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				c.Close()
				return
			}
			var he *eiotest.HTTPError
			if !errors.As(err, &he) {
				if c != nil {
					c.Close()
				}
				t.Fatalf("got %v, want a refusal", err)
			}
			if he.Status != 403 || he.Body != `{"code":4,"message":"Origin not allowed"}` {
				t.Errorf("refused with %d %q, want 403 {\"code\":4,...}", he.Status, he.Body)
			}
		})
	}
}
