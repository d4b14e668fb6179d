//go:build !linux

package websocket

import (
	"errors"
	"fmt"
	"net"
)

// Poller is only implemented on Linux: NewPoller fails elsewhere.
type Poller struct{}

// NewPoller returns an error wrapping errors.ErrUnsupported outside Linux.
func NewPoller(Options) (*Poller, error) {
	return nil, fmt.Errorf("websocket: epoll is Linux only: %w", errors.ErrUnsupported)
}

// Add returns an error wrapping errors.ErrUnsupported outside Linux.
func (*Poller) Add(net.Conn, Handler, ConnOptions) (*PollConn, error) {
	return nil, fmt.Errorf("websocket: epoll is Linux only: %w", errors.ErrUnsupported)
}

// Close does nothing outside Linux.
func (*Poller) Close() error { return nil }

// Len returns 0 outside Linux.
func (*Poller) Len() int { return 0 }

// PollConn is only implemented on Linux.
type PollConn struct{ framer }

// Close does nothing outside Linux.
func (*PollConn) Close() error { return nil }

// Pause does nothing outside Linux.
func (*PollConn) Pause() {}

// Resume does nothing outside Linux.
func (*PollConn) Resume() {}

// Defer reports false outside Linux.
func (*PollConn) Defer(func()) bool { return false }

// NetConn returns nil outside Linux.
func (*PollConn) NetConn() net.Conn { return nil }
