//go:build !linux

package wspoll

import (
	"errors"
	"fmt"
	"net"
)

// Poller is only implemented on Linux: NewPoller fails elsewhere.
type Poller struct{}

// NewPoller returns an error wrapping errors.ErrUnsupported outside Linux.
func NewPoller(Options) (*Poller, error) {
	return nil, fmt.Errorf("wspoll: epoll is Linux only: %w", errors.ErrUnsupported)
}

// Add returns an error wrapping errors.ErrUnsupported outside Linux.
func (*Poller) Add(net.Conn, Handler, ConnOptions) (*Conn, error) {
	return nil, fmt.Errorf("wspoll: epoll is Linux only: %w", errors.ErrUnsupported)
}

// Close does nothing outside Linux.
func (*Poller) Close() error { return nil }

// Len returns 0 outside Linux.
func (*Poller) Len() int { return 0 }

// Conn is only implemented on Linux.
type Conn struct{ framer }

// Close does nothing outside Linux.
func (*Conn) Close() error { return nil }

// Pause does nothing outside Linux.
func (*Conn) Pause() {}

// Resume does nothing outside Linux.
func (*Conn) Resume() {}

// Defer reports false outside Linux.
func (*Conn) Defer(func()) bool { return false }

// NetConn returns nil outside Linux.
func (*Conn) NetConn() net.Conn { return nil }
