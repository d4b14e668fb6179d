package websocket

import (
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/lxzan/gws"
)

// Conn is one server-side WebSocket after its handshake ([Server.Upgrade]).
// Its owner starts reading it with Serve, writes frames with the write
// methods (write.go), and ends it with WriteClose and Close. Reads go to
// the Handler given to Serve on either path, epoll or goroutine, with the
// same contract; Pause and Resume work before and after Serve.
type Conn struct {
	srv    *Server
	nc     net.Conn
	raw    syscall.RawConn          // non-blocking direct writes; nil without a file descriptor (TLS)
	gc     *gws.Conn                // gws's connection: reads it when the poller does not
	pc     atomic.Pointer[PollConn] // set while the poller reads it
	h      Handler
	closed atomic.Bool // Close was called

	pmu     sync.Mutex
	paused  bool
	resumed chan struct{} // closed by Resume or Close; the goroutine reader waits on it

	wmu      sync.Mutex  // one frame writer at a time; the poller's close frames too
	rest     []byte      // frames TryWrite left unwritten; guarded by wmu
	direct   directWrite // tryWrite's state; guarded by wmu
	deadline time.Time   // the write deadline in force; guarded by wmu
}

func newConn(s *Server, nc net.Conn) *Conn {
	return &Conn{srv: s, nc: nc, raw: rawConnOf(nc)}
}

// Serve starts reading the connection, without waiting, and delivers its
// messages to h until OnClose, which reports every end exactly once
// (Handler's doc lists the errors; a close frame from the peer is a
// *CloseError on both paths). Pings are answered with a pong before
// h.OnPing. Where it can (Linux, TCP and Unix sockets) the server's
// poller reads it, which costs no goroutine while the connection is idle;
// elsewhere (TLS, other systems) a goroutine of gws does, blocked between
// messages. Serve is called once.
func (c *Conn) Serve(h Handler) {
	c.h = h
	if p := c.srv.poll(); p != nil {
		// Added paused, then resumed unless Pause ran before: Pause and
		// Resume may run concurrently with Add.
		pc, err := p.Add(c.nc, (*polled)(c), ConnOptions{WriteLock: &c.wmu, Paused: true})
		if err == nil {
			c.pmu.Lock()
			c.pc.Store(pc)
			if !c.paused {
				pc.Resume()
			}
			c.pmu.Unlock()
			if c.closed.Load() { // closed while Add ran
				_ = pc.Close()
			}
			c.gc = nil // drop gws's reader and its buffer
			return
		}
	}
	if !c.srv.startReader() {
		_ = c.nc.Close()
		h.OnClose(errServerClosed)
		return
	}
	go func() {
		defer c.srv.readers.Done()
		c.gc.ReadLoop()
	}()
}

// Pause stops delivering messages, after the one being delivered, until
// Resume; calls do not nest. The bytes stay in the kernel so that TCP flow
// control slows the peer: the poller stops reading the socket, the
// goroutine reader waits before delivering its next message. It may be
// called from any goroutine, before Serve too.
func (c *Conn) Pause() {
	c.pmu.Lock()
	defer c.pmu.Unlock()
	if c.paused {
		return
	}
	c.paused = true
	if pc := c.pc.Load(); pc != nil {
		pc.Pause()
		return
	}
	c.resumed = make(chan struct{})
}

// Resume undoes Pause.
func (c *Conn) Resume() {
	c.pmu.Lock()
	defer c.pmu.Unlock()
	if !c.paused {
		return
	}
	c.paused = false
	if c.resumed != nil {
		close(c.resumed)
		c.resumed = nil
	}
	if pc := c.pc.Load(); pc != nil {
		pc.Resume()
	}
}

// waitResumed waits while the connection is paused, for the goroutine
// reader. It reports false when the connection was closed.
func (c *Conn) waitResumed() bool {
	for !c.closed.Load() {
		c.pmu.Lock()
		ch := c.resumed
		c.pmu.Unlock()
		if ch == nil {
			return true
		}
		<-ch
	}
	return false
}

// Defer runs fn once the poller's worker delivering the current message
// has let the connection go (see [PollConn.Defer]): fn may block, even
// until this connection's next message. It must be called only from
// Handler.OnMessage; it reports false, and does not take fn, when the
// goroutine reader delivers (that goroutine may block itself).
func (c *Conn) Defer(fn func()) bool {
	pc := c.pc.Load()
	return pc != nil && pc.Defer(fn)
}

// Close closes the connection now, through whatever reads it so that the
// read side ends and reports OnClose (a socket closed behind the poller's
// back leaves epoll silently). It sends no close frame: WriteClose first
// for one. As OnClose may run on the calling goroutine, do not call Close
// holding a lock that OnClose takes. It may be called more than once.
func (c *Conn) Close() error {
	c.closed.Store(true)
	c.pmu.Lock()
	if c.resumed != nil { // a paused goroutine reader drops its message
		close(c.resumed)
		c.resumed = nil
	}
	c.pmu.Unlock()
	if pc := c.pc.Load(); pc != nil {
		return pc.Close()
	}
	return c.nc.Close()
}

// RemoteAddr returns the peer's address.
func (c *Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// polled is a Conn as the poller's Handler.
type polled Conn

func (p *polled) OnMessage(data []byte, binary bool) { p.h.OnMessage(data, binary) }

func (p *polled) OnPing(payload []byte) {
	_ = (*Conn)(p).WriteFrame(opPong, payload)
	p.h.OnPing(payload)
}

func (p *polled) OnClose(err error) { p.h.OnClose(err) }
