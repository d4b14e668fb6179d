//go:build unix

package websocket

import (
	"net"
	"syscall"
)

// tryWrite writes b with non-blocking write(2) calls until the socket
// takes no more; it returns how much was written. The caller holds wmu.
func (c *Conn) tryWrite(b []byte) (int, error) {
	w := &c.direct
	if w.fn == nil {
		w.fn = w.write // bound once: a closure per call escaped to the heap
	}
	w.buf, w.n, w.err = b, 0, nil
	err := c.raw.Write(w.fn)
	n := w.n
	if err == nil {
		err = w.err
	}
	w.buf, w.err = nil, nil
	return n, err
}

// directWrite is the state of tryWrite's RawConn.Write callback.
type directWrite struct {
	buf []byte
	n   int
	err error
	fn  func(fd uintptr) bool
}

func (w *directWrite) write(fd uintptr) bool {
	for w.n < len(w.buf) {
		n, err := syscall.Write(int(fd), w.buf[w.n:])
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			return true
		case err != nil:
			w.err = err
			return true
		case n == 0:
			return true
		}
		w.n += n
	}
	return true
}

// rawConnOf returns the file descriptor access of conn for non-blocking
// writes, or nil when it has none (a *tls.Conn).
func rawConnOf(conn net.Conn) syscall.RawConn {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return nil
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return raw
}
