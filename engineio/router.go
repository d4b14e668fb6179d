package engineio

import (
	"net/http"
	"strings"
)

// Router lets every node of a cluster accept every request of every
// session, so that the nodes need no sticky load balancer: each node opens
// its sessions with its own id prefix, and a request for a session with
// another node's prefix is handed to the Router, which serves it by that
// node (package relay forwards it over HTTP).
//
// The server consults the Router only for a session id it does not hold
// and that lacks its own prefix, so a node's own sessions cost nothing
// more. Handshakes are never routed: the node that receives one holds the
// session.
type Router interface {
	// SessionPrefix returns the prefix of the ids of the sessions this
	// server opens: a few URL-safe characters (A-Z a-z 0-9 - _), the same
	// for the server's lifetime.
	SessionPrefix() string
	// Route serves r, a request for session sid held by another node, and
	// reports whether it did. On false the server answers as for an
	// unknown session (400, code 1), which makes the client reconnect.
	// Route is called before any byte of the answer is written; the
	// server's CORS headers are removed first, since the node that serves
	// the session sets its own.
	Route(w http.ResponseWriter, r *http.Request, sid string) bool
}

// route hands a request for a session this server does not hold to the
// Router, when the session may be another node's.
func (srv *Server) route(w http.ResponseWriter, r *http.Request, sid string) bool {
	rt := srv.opts.Router
	if rt == nil || strings.HasPrefix(sid, srv.prefix) {
		return false
	}
	h := w.Header()
	for k := range h {
		if strings.HasPrefix(k, "Access-Control-") || k == "Vary" {
			delete(h, k)
		}
	}
	return rt.Route(w, r, sid)
}

// validPrefix reports whether p may start session ids: URL-safe base64
// characters only, as the rest of the id, and short.
func validPrefix(p string) bool {
	if len(p) > 16 {
		return false
	}
	for _, c := range []byte(p) {
		ok := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
		if !ok {
			return false
		}
	}
	return true
}

// Respond answers w with e as Node's engine.io does: e.Status (400 when
// zero) and the JSON body {"code":N,"message":"..."}. A Router uses it to
// answer a request it could not route.
func (e *RequestError) Respond(w http.ResponseWriter) { writeError(w, e) }
