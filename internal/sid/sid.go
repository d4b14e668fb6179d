// Package sid makes the identifiers of sessions and sockets.
package sid

import (
	"crypto/rand"
	"encoding/base64"
)

// New returns 20 URL-safe characters from 15 bytes of crypto/rand: the
// length and alphabet of Node's base64id, which the official cluster
// adapters rely on, and unguessable.
func New() string {
	var b [15]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand panics instead, Go 1.24)
	return base64.RawURLEncoding.EncodeToString(b[:])
}
