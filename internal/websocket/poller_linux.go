//go:build linux

package websocket

import (
	"errors"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// maxEvents is how many ready connections one epoll_wait returns at most.
const maxEvents = 256

// wakeID is the epoll data of the eventfd that wakes the loop for Close;
// connection ids start at 1.
const wakeID = 0

// Poller reads the WebSocket frames of the connections added to it, from
// one epoll instance and a pool of workers. It must be closed with Close.
type Poller struct {
	opts   Options
	epfd   int
	epf    *os.File        // epfd, registered with the Go runtime's poller
	eprc   syscall.RawConn // of epf: the loop parks on it instead of in epoll_wait
	wakefd int

	mu     sync.Mutex
	conns  map[uint64]*PollConn // by id, the key carried in epoll events
	nextID uint64
	closed bool

	work     chan *PollConn // hands a ready connection to an idle worker
	left     chan struct{}  // a worker left the pool to run deferred work
	quit     chan struct{}  // closed by Close: idle workers exit
	loopDone chan struct{}  // closed when the epoll loop returns
	wg       sync.WaitGroup
	workers  atomic.Int32
	bufs     sync.Pool // read buffers, held by a worker only while it reads
}

// NewPoller starts a Poller: its epoll loop goroutine, and workers on
// demand.
func NewPoller(opts Options) (*Poller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	wakefd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		unix.Close(epfd)
		return nil, os.NewSyscallError("eventfd", err)
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN}
	setID(&ev, wakeID)
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wakefd, &ev); err != nil {
		unix.Close(wakefd)
		unix.Close(epfd)
		return nil, os.NewSyscallError("epoll_ctl", err)
	}
	// The loop must not block a thread in epoll_wait: with GOMAXPROCS=1
	// the runtime would take the P back only after sysmon noticed (20 us
	// to 10 ms later), stalling every other goroutine meanwhile. An epoll
	// fd is itself pollable, so the loop waits for it through the
	// runtime's netpoller, like any socket, and calls epoll_wait only
	// with a zero timeout.
	if err := unix.SetNonblock(epfd, true); err != nil {
		unix.Close(wakefd)
		unix.Close(epfd)
		return nil, os.NewSyscallError("fcntl", err)
	}
	epf := os.NewFile(uintptr(epfd), "epoll")
	eprc, err := epf.SyscallConn()
	if err != nil {
		unix.Close(wakefd)
		epf.Close()
		return nil, err
	}
	p := &Poller{
		opts:     opts.withDefaults(),
		epfd:     epfd,
		epf:      epf,
		eprc:     eprc,
		wakefd:   wakefd,
		conns:    make(map[uint64]*PollConn),
		work:     make(chan *PollConn),
		left:     make(chan struct{}, 1),
		quit:     make(chan struct{}),
		loopDone: make(chan struct{}),
	}
	go p.loop()
	return p, nil
}

// setID stores a connection id in an event's 64-bit data field, which
// x/sys/unix splits into Fd and Pad. The id, not the fd number, is the
// key: a closed connection's fd number can be reused by a new one while
// an event for the old one is still on its way.
func setID(ev *unix.EpollEvent, id uint64) {
	ev.Fd = int32(uint32(id))
	ev.Pad = int32(uint32(id >> 32))
}

func eventID(ev *unix.EpollEvent) uint64 {
	return uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
}

// loop waits for ready connections and hands each to a worker, until
// Close wakes it.
func (p *Poller) loop() {
	defer close(p.loopDone)
	events := make([]unix.EpollEvent, maxEvents)
	ready := make([]*PollConn, 0, maxEvents)
	var n int
	var werr error
	wait := func(fd uintptr) bool {
		n, werr = unix.EpollWait(int(fd), events, 0)
		return n > 0 || werr != nil // else park until epfd is readable
	}
	for {
		if err := p.eprc.Read(wait); err != nil {
			return // epf closed: cannot happen before the loop returns
		}
		if werr != nil {
			if werr != unix.EINTR {
				// Cannot happen with a valid epfd and buffer; do not spin.
				time.Sleep(10 * time.Millisecond)
			}
			continue
		}
		wake := false
		ready = ready[:0]
		p.mu.Lock()
		for i := range events[:n] {
			id := eventID(&events[i])
			if id == wakeID {
				wake = true
				continue
			}
			if c := p.conns[id]; c != nil {
				if events[i].Events&(unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
					c.hup.Store(true)
				}
				ready = append(ready, c)
			}
		}
		closed := p.closed
		p.mu.Unlock()
		if wake && closed {
			return
		}
		for i, c := range ready {
			p.dispatch(c)
			ready[i] = nil
		}
	}
}

// dispatch hands c to an idle worker, or to a new one when none waits
// (up to MaxWorkers, beyond which it waits for one to be free).
func (p *Poller) dispatch(c *PollConn) {
	select {
	case p.work <- c:
		return
	default:
	}
	// Let busy workers finish first: one is usually about to wait again,
	// and starting a worker instead for each ready connection of a burst
	// (thousands during a connection ramp) would cost a stack each.
	runtime.Gosched()
	for {
		select {
		case p.work <- c:
			return
		default:
		}
		if p.spawn(c) {
			return
		}
		// Full: wait for a worker to be free, or to leave the pool for
		// deferred work (which makes room for a new one).
		select {
		case p.work <- c:
			return
		case <-p.left:
		}
	}
}

// spawn starts a worker for c unless MaxWorkers run.
func (p *Poller) spawn(c *PollConn) bool {
	for {
		n := p.workers.Load()
		if n >= int32(p.opts.MaxWorkers) {
			return false
		}
		if p.workers.CompareAndSwap(n, n+1) {
			p.wg.Add(1)
			go p.worker(c)
			return true
		}
	}
}

// worker reads the connections it is handed until Close, or until it
// has waited IdleWorkerTimeout for one.
func (p *Poller) worker(c *PollConn) {
	r := newReader(&p.bufs, p.opts.BufferSize)
	idle := time.NewTimer(p.opts.IdleWorkerTimeout)
	defer idle.Stop()
	for c != nil {
		c.serve(r)
		if len(r.deferred) > 0 && !p.runDeferred(r) {
			return // out of the pool: its count and wg were given back
		}
		c = p.next(idle)
	}
	p.wg.Done()
}

// runDeferred runs what the handlers deferred (PollConn.Defer) during the read
// that just ended, after the connection was let go. It leaves the pool of
// workers first: the work may block (a handler waiting for the client's
// next message, which another worker must be free to read), and
// Poller.Close must not wait for it. Afterwards it rejoins the pool if
// the poller is open and not full, reporting whether it did; the
// goroutine keeps its grown stack either way for the next job.
func (p *Poller) runDeferred(r *reader) (rejoined bool) {
	p.workers.Add(-1)
	p.wg.Done()
	select {
	case p.left <- struct{}{}: // a dispatch waiting at MaxWorkers may start one
	default:
	}
	r.runDeferred()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.workers.Load() >= int32(p.opts.MaxWorkers) {
		return false
	}
	p.workers.Add(1)
	p.wg.Add(1) // under mu, before Close (which sets closed under mu) can Wait
	return true
}

// next waits for the next connection to read, or returns nil when the
// worker is to exit: at Close, or after IdleWorkerTimeout unless it is the
// last worker. Keeping one means a burst after a quiet period finds a
// warm stack, and that a dispatch waiting at MaxWorkers is always served.
func (p *Poller) next(idle *time.Timer) *PollConn {
	idle.Reset(p.opts.IdleWorkerTimeout)
	for {
		select {
		case c := <-p.work:
			return c
		case <-p.quit:
			p.workers.Add(-1)
			return nil
		case <-idle.C:
			if n := p.workers.Load(); n > 1 && p.workers.CompareAndSwap(n, n-1) {
				return nil
			}
			idle.Reset(p.opts.IdleWorkerTimeout)
		}
	}
}

// reader is a worker's read buffer and the RawConn.Read callback over it,
// bound once so that a read allocates nothing.
type reader struct {
	pool     *sync.Pool
	size     int
	bp       *[]byte // while reading: from pool
	buf      []byte  // *bp
	n        int
	err      error
	fn       func(fd uintptr) bool
	deferred []func() // PollConn.Defer's work, run once the connection is let go
}

// runDeferred runs and forgets the deferred work, in order. Nothing is
// deferred meanwhile: the connection was let go, so Defer refuses.
func (r *reader) runDeferred() {
	for i, fn := range r.deferred {
		r.deferred[i] = nil
		fn()
	}
	r.deferred = r.deferred[:0]
}

func newReader(pool *sync.Pool, size int) *reader {
	r := &reader{pool: pool, size: size}
	r.fn = r.read
	return r
}

// acquire gives the reader a buffer for one connection's read; release
// returns it, so that idle workers hold none.
func (r *reader) acquire() {
	r.bp, _ = r.pool.Get().(*[]byte)
	if r.bp == nil {
		b := make([]byte, r.size)
		r.bp = &b
	}
	r.buf = *r.bp
}

func (r *reader) release() {
	r.pool.Put(r.bp)
	r.bp, r.buf = nil, nil
}

// read reads once without waiting: returning true tells RawConn.Read not
// to park on the runtime poller when the socket is empty (EAGAIN).
func (r *reader) read(fd uintptr) bool {
	for {
		r.n, r.err = unix.Read(int(fd), r.buf)
		if r.err != unix.EINTR {
			return true
		}
	}
}

// Close closes every connection (each gets OnClose with net.ErrClosed),
// stops the epoll loop and the workers and waits for them, so that no
// Handler method runs after it returns. It must not be called from a
// Handler method. Later calls return nil.
func (p *Poller) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()

	// Stop handing out connections first, then close them: a connection
	// being read is torn down by its worker, the others here.
	var one = [8]byte{1}
	if _, err := unix.Write(p.wakefd, one[:]); err != nil && err != unix.EAGAIN {
		return errors.Join(os.NewSyscallError("write eventfd", err), p.closeFDs())
	}
	<-p.loopDone
	p.mu.Lock()
	conns := make([]*PollConn, 0, len(p.conns))
	for _, c := range p.conns {
		conns = append(conns, c)
	}
	p.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
	close(p.quit)
	p.wg.Wait()
	return p.closeFDs()
}

func (p *Poller) closeFDs() error {
	return errors.Join(unix.Close(p.wakefd), p.epf.Close())
}

// remove forgets a closed connection.
func (p *Poller) remove(c *PollConn) {
	p.mu.Lock()
	delete(p.conns, c.id)
	p.mu.Unlock()
}

// Len returns the number of open connections.
func (p *Poller) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns)
}
