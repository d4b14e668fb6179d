package socketio

import (
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/duplexio/duplex/adapter"
)

// Handshake describes how a socket connected, like Node's
// socket.handshake but in Go types. A socket on another node of a cluster
// (RemoteSocket) has the one its node sent, in Node's wire shape, which
// package adapter reads back into these types.
type Handshake struct {
	// Header holds the handshake request's headers.
	Header http.Header
	// Time is when the Engine.IO connection was made.
	Time time.Time
	// Address is the client's IP address (the request's RemoteAddr without
	// its port).
	Address string
	// XDomain reports whether the request had an Origin header.
	XDomain bool
	// Secure reports whether the connection used TLS.
	Secure bool
	// URL is the request's URI, path and query.
	URL string
	// Query holds the request's query parameters.
	Query url.Values
	// Auth is the client's auth payload, {} when it sent none.
	Auth json.RawMessage
}

func newHandshake(r *http.Request, created time.Time, auth json.RawMessage) *Handshake {
	if len(auth) == 0 {
		auth = json.RawMessage("{}")
	}
	addr := r.RemoteAddr
	if host, _, err := net.SplitHostPort(addr); err == nil {
		addr = host
	}
	return &Handshake{
		Header:  r.Header.Clone(),
		Time:    created,
		Address: addr,
		XDomain: r.Header.Get("Origin") != "",
		Secure:  r.TLS != nil,
		URL:     r.URL.RequestURI(),
		Query:   r.URL.Query(),
		Auth:    auth,
	}
}

// MarshalJSON writes h as Node's socket.handshake (see adapter.Handshake),
// so that a handshake a server emits or stores reads as it would from Node.
func (h *Handshake) MarshalJSON() ([]byte, error) { return h.wire().MarshalJSON() }

// UnmarshalJSON reads Node's socket.handshake, such as a Node server of the
// cluster sends.
func (h *Handshake) UnmarshalJSON(data []byte) error { return h.wire().UnmarshalJSON(data) }

// wire returns h as the adapter carries it: the same struct, whose JSON is
// Node's (adapter.Handshake.MarshalJSON).
func (h *Handshake) wire() *adapter.Handshake { return (*adapter.Handshake)(h) }

// handshakeOf returns the handshake of a socket that an adapter described.
func handshakeOf(w *adapter.Handshake) *Handshake { return (*Handshake)(w) }
