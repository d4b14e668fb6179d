package socketio

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/duplexio/duplex/adapter"
)

// Handshake describes how a socket connected, like Node's socket.handshake.
type Handshake = adapter.Handshake

// jsDate formats t the way JavaScript's Date.prototype.toString does,
// which is what Node puts in handshake.time.
const jsDate = "Mon Jan 02 2006 15:04:05 GMT-0700 (MST)"

func newHandshake(r *http.Request, created time.Time, auth json.RawMessage) *Handshake {
	headers := make(map[string]string, len(r.Header))
	for k, v := range r.Header {
		headers[strings.ToLower(k)] = strings.Join(v, ", ")
	}
	query := map[string]string{}
	for k, v := range r.URL.Query() {
		if len(v) > 0 {
			query[k] = v[0]
		}
	}
	if len(auth) == 0 {
		auth = json.RawMessage("{}")
	}
	addr := r.RemoteAddr
	if host, _, err := net.SplitHostPort(addr); err == nil {
		addr = host
	}
	return &Handshake{
		Headers: headers,
		Time:    created.Format(jsDate),
		Address: addr,
		XDomain: r.Header.Get("Origin") != "",
		Secure:  r.TLS != nil,
		Issued:  created.UnixMilli(),
		URL:     r.URL.RequestURI(),
		Query:   query,
		Auth:    auth,
	}
}
