package engineio

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// CORS configures cross-origin access, like the cors option of Node's
// engine.io. The same origins decide which pages may open a WebSocket, which
// guards against cross-site WebSocket hijacking.
type CORS struct {
	// Origins allowed; "*" allows any.
	Origins []string
	// AllowOrigin, when set, decides instead of Origins.
	AllowOrigin func(origin string) bool
	// Credentials sends Access-Control-Allow-Credentials: true (and echoes the
	// origin instead of "*").
	Credentials bool
	// Headers the browser may send (Access-Control-Allow-Headers).
	Headers []string
	// MaxAge of a preflight answer.
	MaxAge time.Duration
}

func (c *CORS) allowed(origin string) bool {
	if c.AllowOrigin != nil {
		return c.AllowOrigin(origin)
	}
	for _, o := range c.Origins {
		if o == "*" || o == origin {
			return true
		}
	}
	return false
}

func (c *CORS) any() bool {
	if c.AllowOrigin != nil {
		return false
	}
	for _, o := range c.Origins {
		if o == "*" {
			return true
		}
	}
	return false
}

// apply writes the CORS headers for r. It reports whether r was a preflight
// request, which is then fully answered.
func (c *CORS) apply(w http.ResponseWriter, r *http.Request) (preflight bool) {
	origin := r.Header.Get("Origin")
	if origin == "" || !c.allowed(origin) {
		return r.Method == http.MethodOptions && c.preflightRefused(w, origin)
	}
	h := w.Header()
	if c.any() && !c.Credentials {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Add("Vary", "Origin")
	}
	if c.Credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if r.Method != http.MethodOptions {
		return false
	}
	h.Set("Access-Control-Allow-Methods", "GET,HEAD,PUT,PATCH,POST,DELETE")
	if len(c.Headers) > 0 {
		h.Set("Access-Control-Allow-Headers", strings.Join(c.Headers, ","))
	} else if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
		h.Set("Access-Control-Allow-Headers", req)
		h.Add("Vary", "Access-Control-Request-Headers")
	}
	if c.MaxAge > 0 {
		h.Set("Access-Control-Max-Age", strconv.Itoa(int(c.MaxAge.Seconds())))
	}
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusNoContent)
	return true
}

// preflightRefused answers a preflight from a refused origin without CORS
// headers, so the browser blocks the real request.
func (c *CORS) preflightRefused(w http.ResponseWriter, _ string) bool {
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusNoContent)
	return true
}

// originAllowed decides whether a WebSocket may be opened from the page that
// sent r. Clients that are not browsers send no Origin and are let through;
// a browser page needs a CORS origin or the server's own host.
func originAllowed(cors *CORS, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	if cors != nil {
		return cors.allowed(origin)
	}
	u, err := url.Parse(origin)
	return err == nil && strings.EqualFold(u.Host, r.Host)
}
