//go:build linux

package websocket

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// yieldReads is how many full buffers a worker reads from one connection
// before it yields, so that a fast sender does not keep the others
// waiting.
const yieldReads = 8

// PollConn is a connection added to a Poller.
type PollConn struct {
	framer
	p  *Poller
	id uint64
	nc net.Conn
	rc syscall.RawConn
	wl sync.Locker

	mu      sync.Mutex
	reading bool        // a goroutine owns the read state and will read again or tear down
	again   bool        // an event came while reading: read once more before letting go
	hup     atomic.Bool // the peer closed or the socket failed: read to the end
	closed  bool        // teardown decided; done by whoever holds reading, else by the closer
	missed  bool        // while paused, data came or was left unread: Resume must read
	cut     bool        // readAll stopped for a pause; read state owner only
	err     error       // what OnClose gets: the first reason the connection closed
	r       *reader     // the reader's, while a worker holds the read state; for Defer
}

// Add starts reading conn's WebSocket frames (the handshake is done) and
// delivering them to h. conn must be a TCP or Unix stream socket
// implementing syscall.Conn (*net.TCPConn, *net.UnixConn); for others, such
// as *tls.Conn, Add returns an error wrapping errors.ErrUnsupported and
// leaves conn alone, for the caller to read it another way. A wrapper
// that implements syscall.Conn must not buffer reads. Add clears conn's
// read deadline; the caller must not read conn nor set a read deadline on
// it afterwards (a past one fails the connection at its next read).
//
// Once Add has returned a PollConn, every end is reported by h.OnClose, which
// may run before Add returns when ConnOptions.Buffered holds a close or a
// malformed frame. Close the connection with PollConn.Close, not conn.Close.
func (p *Poller) Add(conn net.Conn, h Handler, o ConnOptions) (*PollConn, error) {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return nil, fmt.Errorf("websocket: cannot poll a %T: %w", conn, errors.ErrUnsupported)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("websocket: %w", err)
	}
	if err := checkSocket(rc); err != nil {
		return nil, err
	}
	// A hijacked connection may keep the http.Server's read deadline,
	// which would fail the first read.
	if err := conn.SetReadDeadline(time.Time{}); err != nil {
		return nil, fmt.Errorf("websocket: %w", err)
	}
	wl := o.WriteLock
	if wl == nil {
		wl = new(sync.Mutex)
	}
	c := &PollConn{p: p, nc: conn, rc: rc, wl: wl, reading: true}
	c.paused.Store(o.Paused)
	c.h = h
	c.maxPayload = p.opts.MaxPayload
	c.client = p.opts.Client

	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, ErrPollerClosed
	}
	p.nextID++
	c.id = p.nextID
	p.conns[c.id] = c
	p.wg.Add(1) // Close waits for this Add: it uses epfd
	p.mu.Unlock()
	defer p.wg.Done()

	// Register before parsing Buffered, while this goroutine holds the read
	// state (reading): an event meanwhile (data that came before the
	// registration is reported at once) only sets again, and this
	// goroutine then reads the socket itself.
	if err := c.ctl(unix.EPOLL_CTL_ADD); err != nil {
		p.remove(c)
		return nil, err
	}
	var ferr error
	if len(o.Buffered) > 0 {
		ferr = c.feed(append([]byte(nil), o.Buffered...))
	}
	if c.finish(ferr) {
		r := newReader(&p.bufs, p.opts.BufferSize)
		c.readLoop(r)
		r.runDeferred() // on Add's goroutine, which is no worker
	}
	return c, nil
}

// checkSocket accepts stream sockets of the IP and Unix families: what
// epoll and a plain read(2) of the byte stream work on.
func checkSocket(rc syscall.RawConn) error {
	var typ, domain int
	var serr error
	err := rc.Control(func(fd uintptr) {
		if typ, serr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_TYPE); serr != nil {
			return
		}
		domain, serr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_DOMAIN)
	})
	if err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("websocket: not a socket: %w: %w", err, errors.ErrUnsupported)
	}
	if typ != unix.SOCK_STREAM || (domain != unix.AF_INET && domain != unix.AF_INET6 && domain != unix.AF_UNIX) {
		return fmt.Errorf("websocket: not a TCP or Unix stream socket: %w", errors.ErrUnsupported)
	}
	return nil
}

// ctl registers the connection in epoll, edge-triggered: an event comes
// when data arrives, and nothing needs re-arming after a read (a one-shot
// registration cost an epoll_ctl call per message, 6% of the server's CPU
// in the echo benchmark). It goes through RawConn.Control, which fails
// once the net.Conn is closed, so a stale fd number is never touched.
func (c *PollConn) ctl(op int) error {
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLET}
	setID(&ev, c.id)
	var cerr error
	err := c.rc.Control(func(fd uintptr) {
		cerr = unix.EpollCtl(c.p.epfd, op, int(fd), &ev)
	})
	if err != nil {
		return err
	}
	if cerr != nil {
		return os.NewSyscallError("epoll_ctl", cerr)
	}
	return nil
}

// serve reads the connection for an epoll event, on a worker. An event
// for a connection already being read only tells its reader to read once
// more: that data may have come after the reader's last read.
func (c *PollConn) serve(r *reader) {
	c.mu.Lock()
	switch {
	case c.closed: // the closer tore it down
		c.mu.Unlock()
		return
	case c.reading:
		c.again = true
		c.mu.Unlock()
		return
	case c.paused.Load(): // Resume reads what came meanwhile
		c.missed = true
		c.mu.Unlock()
		return
	}
	c.reading = true
	c.mu.Unlock()
	c.readLoop(r)
}

// readLoop reads while events keep coming, then lets the read state go.
// The caller holds it (reading).
func (c *PollConn) readLoop(r *reader) {
	r.acquire()
	defer r.release()
	c.r = r
	for c.finish(c.readAll(r)) {
	}
}

// readAll reads and parses until the socket is empty: a read returns
// less than the buffer or EAGAIN. Edge-triggered epoll reports only new
// data, so what is already there must all be read now.
func (c *PollConn) readAll(r *reader) error {
	if c.held {
		// Complete frames a pause kept back come before the socket's bytes.
		c.held = false
		if err := c.feed(nil); err != nil {
			return err
		}
	}
	for reads := 1; ; reads++ {
		if c.paused.Load() {
			c.cut = true
			return nil
		}
		if err := c.rc.Read(r.fn); err != nil {
			return err // closed
		}
		n, err := r.n, r.err
		r.err = nil
		switch {
		case err == unix.EAGAIN:
			return nil
		case err != nil:
			return os.NewSyscallError("read", err)
		case n == 0:
			if c.pending() {
				return io.ErrUnexpectedEOF
			}
			return io.EOF
		}
		if err := c.feed(r.buf[:n]); err != nil {
			return err
		}
		// A short read emptied the socket, unless the peer's FIN came
		// with the data: no edge would report it, so read on to EOF.
		if (n < len(r.buf) && !c.hup.Load()) || c.stopped.Load() {
			return nil
		}
		if reads%yieldReads == 0 {
			runtime.Gosched()
		}
	}
}

// finish ends a read. It reports true, keeping the read state, when an
// event came meanwhile and the connection must be read again; else it lets
// the read state go, tearing the connection down when the read failed or
// someone closed it meanwhile.
func (c *PollConn) finish(err error) (again bool) {
	c.mu.Lock()
	if err == nil && !c.closed && c.again && !c.paused.Load() {
		c.again = false
		c.mu.Unlock()
		return true
	}
	if c.again || c.cut || c.held {
		c.missed = true // paused with something to read: Resume reads it
	}
	c.again, c.cut = false, false
	c.r = nil
	if err != nil && !c.closed {
		c.closed = true
		c.err = err
		c.stopped.Store(true)
	}
	c.reading = false
	closed := c.closed
	c.mu.Unlock()
	if closed {
		c.teardown()
	}
	return false
}

// Defer runs fn on the goroutine that is delivering this connection's
// messages, once it has let the connection go: after the messages of the
// current read, when another worker may already read the next ones. fn
// may therefore block, even waiting for this connection's next message,
// without holding up any connection, and Poller.Close does not wait for
// it. Running it there rather than handing it to another goroutine saves
// a goroutine switch per message. Defer must be called only from a
// Handler method; it reports false, and does not take fn, when the
// message is being delivered outside a read (ConnOptions.Buffered).
func (c *PollConn) Defer(fn func()) bool {
	if c.r == nil {
		return false
	}
	c.r.deferred = append(c.r.deferred, fn)
	return true
}

// Pause stops delivering the connection's messages, after the one being
// delivered, until Resume: the bytes stay in the kernel's socket buffer
// (beyond one read's worth already read, kept back), so that TCP flow
// control slows the peer down instead of its messages taking memory. A
// peer's close or failure is noticed only after Resume (or at Close).
// Pause may be called from a Handler method, and from any goroutine.
func (c *PollConn) Pause() { c.paused.Store(true) }

// Resume undoes Pause. The registration is edge-triggered: what arrived
// while paused raised no event that is still to come, so Resume reads the
// connection itself when something did, on a goroutine of its own unless
// a worker is still reading it (which then reads once more). It may be
// called from a Handler method, and from any goroutine.
func (c *PollConn) Resume() {
	if !c.paused.Swap(false) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reading {
		c.again = true
		return
	}
	if c.closed || !c.missed {
		return // nothing came: the next data raises an event
	}
	c.missed = false
	p := c.p
	p.mu.Lock()
	if p.closed { // Close tears the connection down
		p.mu.Unlock()
		return
	}
	p.wg.Add(1) // Close waits for the read, as for a worker's
	p.mu.Unlock()
	c.reading = true
	go c.resumeRead()
}

// resumeRead reads a resumed connection as a worker would, then runs what
// the handlers deferred once it has let the connection go (and no longer
// counts for Close, as a worker leaving the pool does).
func (c *PollConn) resumeRead() {
	r := newReader(&c.p.bufs, c.p.opts.BufferSize)
	c.readLoop(r)
	c.p.wg.Done()
	r.runDeferred()
}

// Close closes the connection: the net.Conn at once, and OnClose with
// net.ErrClosed (unless the connection had already ended) either before
// Close returns or, when a worker is delivering its messages, on that
// worker once the current Handler call returns. Close does not send a
// close frame: write one first if needed. It may be called from a
// Handler method, and more than once; it returns the net.Conn's Close
// error the first time, nil after. As OnClose may run on the goroutine
// calling Close, do not call Close holding a lock that OnClose takes.
func (c *PollConn) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.err = net.ErrClosed
	c.stopped.Store(true)
	reading := c.reading
	c.mu.Unlock()
	err := c.nc.Close()
	if !reading {
		c.teardown()
	}
	return err
}

// teardown runs once per connection, by the goroutine that found it
// closed while owning its read state: it sends the close frame the error
// calls for, closes the net.Conn (which drops it from epoll), and reports
// OnClose.
func (c *PollConn) teardown() {
	var ce *CloseError
	var fe *FrameError
	switch {
	case errors.As(c.err, &ce):
		code := ce.Code
		if code == CodeNoStatus {
			code = 0 // echo an empty close frame
		}
		c.writeClose(code, "")
	case errors.As(c.err, &fe):
		c.writeClose(fe.Code, fe.Text)
	}
	c.nc.Close()
	c.p.remove(c)
	c.partial, c.msg, c.msgOp = nil, nil, 0
	c.h.OnClose(c.err)
}

// writeClose writes a close frame under the caller's write lock, with a
// short deadline: the connection is closed right after either way.
func (c *PollConn) writeClose(code int, reason string) {
	var b [6 + 125]byte
	var frame []byte
	if c.client {
		// Client frames must be masked, with a fresh key (RFC 6455 5.3).
		var mask [4]byte
		binary.LittleEndian.PutUint32(mask[:], rand.Uint32())
		frame = closeFrameBytes(&b, code, reason, &mask)
	} else {
		frame = closeFrameBytes(&b, code, reason, nil)
	}
	c.wl.Lock()
	defer c.wl.Unlock()
	_ = c.nc.SetWriteDeadline(time.Now().Add(closeWriteTimeout))
	_, _ = c.nc.Write(frame)
}

// NetConn returns the connection given to Add, for writing.
func (c *PollConn) NetConn() net.Conn { return c.nc }
