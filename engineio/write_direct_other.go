//go:build !unix

package engineio

import (
	"errors"
	"net"
	"syscall"
)

// rawConnOf returns nil: writes go through a writer goroutine.
func rawConnOf(net.Conn) syscall.RawConn { return nil }

// tryWrite is never called: raw is nil.
func (t *wsTransport) tryWrite([]byte) (int, error) {
	return 0, errors.ErrUnsupported
}

// directWrite is unused where there are no non-blocking direct writes.
type directWrite struct{}
