package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/duplexio/duplex/socketio"
)

// Defaults of Options.
const (
	// DefaultMaxBodyBytes bounds a request body: 1 MiB, about the engine's
	// default largest client message (1 MB), since an emitted event goes to
	// clients that would refuse a bigger one anyway.
	DefaultMaxBodyBytes = 1 << 20
	// DefaultMaxAckTimeout bounds timeout_ms, so that a request waiting
	// for acknowledgements cannot hold its connection for ever.
	DefaultMaxAckTimeout = time.Minute
	// DefaultRequestTimeout bounds a cluster request (GET sockets).
	DefaultRequestTimeout = 10 * time.Second
)

// Options configures the API; the zero value of each field is its default.
type Options struct {
	// Token is the bearer token every request must carry. An empty Token
	// refuses every request (401): the API fails closed.
	Token string
	// MaxBodyBytes bounds a request body (413 beyond);
	// 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// MaxAckTimeout bounds an emit's timeout_ms (400 beyond);
	// 0 means DefaultMaxAckTimeout.
	MaxAckTimeout time.Duration
	// RequestTimeout bounds how long GET /api/v1/sockets waits for the
	// cluster; 0 means DefaultRequestTimeout.
	RequestTimeout time.Duration
	// Logger gets a line per failed server-side operation; nil discards.
	Logger *slog.Logger
}

// Handler serves the API of one Socket.IO server. It is safe for
// concurrent use. Mount it at /api/v1/ (it matches full paths).
type Handler struct {
	io        *socketio.Server
	tokenHash [sha256.Size]byte
	hasToken  bool
	opts      Options
	routes    map[string]route
}

type route struct {
	method string
	serve  func(http.ResponseWriter, *http.Request)
}

// Check at compile time that Handler is an http.Handler.
var _ http.Handler = (*Handler)(nil)

// New returns the API handler of io; opts may be nil.
func New(io *socketio.Server, opts *Options) *Handler {
	h := &Handler{io: io}
	if opts != nil {
		h.opts = *opts
	}
	if h.opts.MaxBodyBytes <= 0 {
		h.opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if h.opts.MaxAckTimeout <= 0 {
		h.opts.MaxAckTimeout = DefaultMaxAckTimeout
	}
	if h.opts.RequestTimeout <= 0 {
		h.opts.RequestTimeout = DefaultRequestTimeout
	}
	if h.opts.Logger == nil {
		h.opts.Logger = slog.New(slog.DiscardHandler)
	}
	h.hasToken = h.opts.Token != ""
	h.tokenHash = sha256.Sum256([]byte(h.opts.Token))
	h.routes = map[string]route{
		"/api/v1/emit":       {http.MethodPost, h.emit},
		"/api/v1/sockets":    {http.MethodGet, h.sockets},
		"/api/v1/join":       {http.MethodPost, h.join},
		"/api/v1/leave":      {http.MethodPost, h.leave},
		"/api/v1/disconnect": {http.MethodPost, h.disconnect},
	}
	return h
}

// ServeHTTP authenticates the request, then routes it. Authentication
// comes first so that a caller without the token learns nothing, not even
// which paths exist.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if !h.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="duplex"`)
		writeError(w, http.StatusUnauthorized, "missing or wrong bearer token (Authorization: Bearer <token>)")
		return
	}
	rt, ok := h.routes[r.URL.Path]
	if !ok {
		writeError(w, http.StatusNotFound, "no endpoint "+r.URL.Path)
		return
	}
	if r.Method != rt.method {
		w.Header().Set("Allow", rt.method)
		writeError(w, http.StatusMethodNotAllowed, r.URL.Path+" takes "+rt.method+", not "+r.Method)
		return
	}
	rt.serve(w, r)
}

// authorized compares the hashes of the tokens in constant time: hashing
// first hides the token's length too, which ConstantTimeCompare does not.
func (h *Handler) authorized(r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	const prefix = "bearer "
	if !h.hasToken || len(auth) < len(prefix) || !strings.EqualFold(auth[:len(prefix)], prefix) {
		return false
	}
	got := sha256.Sum256([]byte(auth[len(prefix):]))
	return subtle.ConstantTimeCompare(got[:], h.tokenHash[:]) == 1
}

// namespace returns the namespace called name ("/" when empty), or false
// when the server has none by that name: the API never creates one.
func (h *Handler) namespace(name string) (*socketio.Namespace, string, bool) {
	if name == "" {
		name = "/"
	} else if !strings.HasPrefix(name, "/") {
		name = "/" + name
	}
	for _, n := range h.io.Namespaces() {
		if n == name {
			return h.io.Of(name), name, true
		}
	}
	return nil, name, false
}
