package client

import (
	"bytes"
	"context"
	"log/slog"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
)

// maxPendingEvents bounds the events of one socket waiting for its
// handlers. When they are all taken, reading from the connection waits,
// which pushes back on the server instead of queueing without bound.
const maxPendingEvents = 256

// group counts goroutines so that Close can wait for them. Unlike a
// sync.WaitGroup, goroutines may be added while another waits.
type group struct {
	mu   sync.Mutex
	n    int
	idle chan struct{} // closed when n drops to zero; nil when nobody waits
}

// goTracked runs f on a counted goroutine.
func (g *group) goTracked(f func()) {
	g.mu.Lock()
	g.n++
	g.mu.Unlock()
	go func() {
		defer g.done()
		f()
	}()
}

func (g *group) done() {
	g.mu.Lock()
	g.n--
	if g.n == 0 && g.idle != nil {
		close(g.idle)
		g.idle = nil
	}
	g.mu.Unlock()
}

// wait waits until no goroutine of the group runs, or ctx ends.
func (g *group) wait(ctx context.Context) error {
	g.mu.Lock()
	if g.n == 0 {
		g.mu.Unlock()
		return nil
	}
	if g.idle == nil {
		g.idle = make(chan struct{})
	}
	ch := g.idle
	g.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// dispatcher runs jobs (user handlers, mostly) one at a time, in order, on
// a goroutine that exists only while there is work: handlers never run on
// the connection's read path nor under a library lock.
type dispatcher struct {
	g      *group // the Manager's handler goroutines
	logger *slog.Logger
	gid    atomic.Uint64 // the id of the goroutine draining, 0 when none

	mu      sync.Mutex
	queue   []func()
	running bool
}

// dispatch queues a job; it never waits.
func (d *dispatcher) dispatch(job func()) {
	d.mu.Lock()
	d.queue = append(d.queue, job)
	start := !d.running
	d.running = true
	d.mu.Unlock()
	if start {
		d.g.goTracked(d.drain)
	}
}

func (d *dispatcher) drain() {
	d.gid.Store(goid())
	for {
		d.mu.Lock()
		if len(d.queue) == 0 {
			d.queue = nil
			d.running = false
			d.gid.Store(0)
			d.mu.Unlock()
			return
		}
		job := d.queue[0]
		d.queue[0] = nil
		d.queue = d.queue[1:]
		d.mu.Unlock()
		d.protect("job", job)
	}
}

// runs reports whether the calling goroutine is d's: whether the caller is
// one of its jobs.
func (d *dispatcher) runs(gid uint64) bool { return gid != 0 && d.gid.Load() == gid }

// goid returns the id of the calling goroutine. Go hides it on purpose;
// it is read here for one thing only: Close must wait for the handlers,
// unless it is called from one, which would then wait for itself.
func goid() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b, _ = bytes.CutPrefix(b, []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		b = b[:i]
	}
	n, _ := strconv.ParseUint(string(b), 10, 64)
	return n
}

// protect runs user code, turning a panic into a logged error so that one
// bad handler cannot take the program down.
func (d *dispatcher) protect(what string, fn func()) {
	defer func() {
		if r := recover(); r != nil {
			d.logger.Error("client: panic in handler", "handler", what, "panic", r, "stack", string(debug.Stack()))
		}
	}()
	fn()
}
