// Package sid makes the identifiers of sessions and sockets.
package sid

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
)

// New returns 20 URL-safe characters from 15 bytes of crypto/rand: the
// length and alphabet of Node's base64id, which the official cluster
// adapters rely on, and unguessable.
func New() string { return NewPrefixed("") }

// NewPrefixed returns prefix followed by an id as New makes it, in one
// allocation: the session ids of a cluster node start with the node's
// prefix, so that any node can tell which one holds a session.
func NewPrefixed(prefix string) string {
	var b [15]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand panics instead, Go 1.24)
	var enc [20]byte
	base64.RawURLEncoding.Encode(enc[:], b[:])
	var out strings.Builder
	out.Grow(len(prefix) + len(enc))
	out.WriteString(prefix)
	out.Write(enc[:])
	return out.String()
}
