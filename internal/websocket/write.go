package websocket

import (
	"encoding/binary"
	"time"
)

// Writing.
//
// Server-to-client frames are simple: FIN and the opcode, the length in
// 1, 3 or 9 bytes, no mask, and the payload (permessage-deflate is not
// negotiated). The owner frames its messages itself with AppendHeader, so
// that a whole batch goes into one buffer and one system call with no
// allocation per message, and writes it one of two ways:
//
//   - TryWrite, on the caller's goroutine: non-blocking write(2) calls
//     until the socket takes no more, the rest kept for the next Write or
//     Flush. A reply to one client used to wake a writer goroutine that
//     then made the system call: a goroutine start and two switches per
//     reply, a fifth of the server's CPU in the echo benchmark besides the
//     system calls themselves.
//   - Write, on a writer goroutine that may wait for the peer, up to the
//     write deadline.
//
// Every write, and the close frames the poller sends when it fails a
// connection, holds one lock (wmu), so frames never interleave.

// Frame opcodes an owner writes.
const (
	OpText   = opText
	OpBinary = opBinary
)

// closeWriteTimeout bounds the write of a close frame, ours or the
// poller's when it fails a connection: the connection is closed right
// after either way, and a peer that does not read must not hold a worker.
const closeWriteTimeout = time.Second

// maxKeptBytes is the largest buffer of unwritten bytes kept for reuse.
const maxKeptBytes = 64 << 10

// AppendHeader appends the header of an unmasked final frame of the given
// opcode carrying n bytes.
func AppendHeader(dst []byte, opcode byte, n int) []byte {
	dst = append(dst, 0x80|opcode)
	switch {
	case n < 126:
		return append(dst, byte(n))
	case n <= 0xFFFF:
		return binary.BigEndian.AppendUint16(append(dst, 126), uint16(n))
	default:
		return binary.BigEndian.AppendUint64(append(dst, 127), uint64(n))
	}
}

// CanTryWrite reports whether TryWrite works on this connection: it needs
// a file descriptor to write to without blocking, which a *tls.Conn does
// not give.
func (c *Conn) CanTryWrite() bool { return c.raw != nil }

// TryWrite writes frames as far as the socket takes them now, without
// blocking, after what an earlier TryWrite left (then it only appends);
// it keeps what is left, written by the next Write or Flush, and returns
// how many bytes are kept. It must not run concurrently with Write on the
// same connection, and needs CanTryWrite.
func (c *Conn) TryWrite(frames []byte) (pending int, err error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	left := frames
	if len(c.rest) == 0 {
		// The deadline the last writer set may have passed since: RawConn
		// then fails the write with a timeout before it makes the call.
		c.extendDeadline()
		var n int
		n, err = c.tryWrite(frames)
		left = frames[n:]
	}
	if err == nil && len(left) > 0 {
		c.rest = append(c.rest, left...)
	}
	return len(c.rest), err
}

// Flush writes what TryWrite left, waiting for the peer up to the write
// deadline.
func (c *Conn) Flush() error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if len(c.rest) == 0 {
		return nil
	}
	c.extendDeadline()
	return c.flushRest()
}

// Write writes frames (complete ones: see AppendHeader) after what
// TryWrite left, waiting for the peer up to the write deadline.
func (c *Conn) Write(frames []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.extendDeadline()
	if err := c.flushRest(); err != nil {
		return err
	}
	_, err := c.nc.Write(frames)
	return err
}

// WriteFrame writes one frame of the given opcode, in turn with the other
// writes: a message outside the owner's batches, a pong.
func (c *Conn) WriteFrame(opcode byte, payload []byte) error {
	frame := append(AppendHeader(make([]byte, 0, 10+len(payload)), opcode, len(payload)), payload...)
	return c.Write(frame)
}

// WriteClose writes a close frame with code and reason (cut to 123 bytes)
// after what TryWrite left, within a second: the deadline is set before
// the lock is taken, so that a writer blocked on a peer that does not read
// gives up, and a close never waits longer. Close the connection after.
func (c *Conn) WriteClose(code int, reason string) error {
	_ = c.nc.SetWriteDeadline(time.Now().Add(closeWriteTimeout))
	var b [6 + 125]byte
	frame := closeFrameBytes(&b, code, reason, nil)
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.flushRest(); err != nil {
		return err
	}
	_, err := c.nc.Write(frame)
	return err
}

// extendDeadline keeps the write deadline at least half of WriteTimeout
// ahead, moving it only when needed: setting it is a cost that a busy
// connection would otherwise pay on every batch. The caller holds wmu.
func (c *Conn) extendDeadline() {
	timeout := c.srv.opts.WriteTimeout
	now := time.Now()
	if c.deadline.Sub(now) > timeout/2 {
		return
	}
	c.deadline = now.Add(timeout)
	_ = c.nc.SetWriteDeadline(c.deadline)
}

// flushRest writes what TryWrite left. The caller holds wmu.
func (c *Conn) flushRest() error {
	if len(c.rest) == 0 {
		return nil
	}
	_, err := c.nc.Write(c.rest)
	clear(c.rest)
	c.rest = c.rest[:0]
	if cap(c.rest) > maxKeptBytes {
		c.rest = nil
	}
	return err
}
