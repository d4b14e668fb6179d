//go:build !unix

package websocket

import (
	"errors"
	"net"
	"syscall"
)

// rawConnOf returns nil: CanTryWrite is false.
func rawConnOf(net.Conn) syscall.RawConn { return nil }

// tryWrite is never called: CanTryWrite is false.
func (c *Conn) tryWrite([]byte) (int, error) { return 0, errors.ErrUnsupported }

// directWrite is unused where there are no non-blocking direct writes.
type directWrite struct{}
