package client

import (
	"context"
	"log/slog"
	"runtime/debug"
	"sync"
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
//
// Close waits for the dispatchers to finish, but it may be called by a job
// of one of them, which would then wait for itself. Go gives a goroutine
// no identity to test, so the dispatcher says instead whether it is in a
// job (inJob, set by its own goroutine around each job): a Close that
// finds a dispatcher in a job when it starts may be running in it, and
// does not wait for it (see Manager.Close).
type dispatcher struct {
	logger *slog.Logger

	mu      sync.Mutex
	queue   []func()
	running bool          // a goroutine drains the queue
	inJob   bool          // that goroutine is running a job
	idle    chan struct{} // closed when the drain ends; nil when nobody waits
}

// dispatch queues a job; it never waits.
func (d *dispatcher) dispatch(job func()) {
	d.mu.Lock()
	d.queue = append(d.queue, job)
	start := !d.running
	d.running = true
	d.mu.Unlock()
	if start {
		go d.drain()
	}
}

func (d *dispatcher) drain() {
	for {
		d.mu.Lock()
		d.inJob = false
		if len(d.queue) == 0 {
			d.queue = nil
			d.running = false
			if d.idle != nil {
				close(d.idle)
				d.idle = nil
			}
			d.mu.Unlock()
			return
		}
		job := d.queue[0]
		d.queue[0] = nil
		d.queue = d.queue[1:]
		d.inJob = true
		d.mu.Unlock()
		d.protect("job", job)
	}
}

// busy reports whether a job runs now: whether the caller may be that
// job.
func (d *dispatcher) busy() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.inJob
}

// wait waits until the queue is drained and its goroutine is about to
// end, or ctx ends. A job must not call it on its own dispatcher.
func (d *dispatcher) wait(ctx context.Context) error {
	d.mu.Lock()
	if !d.running {
		d.mu.Unlock()
		return nil
	}
	if d.idle == nil {
		d.idle = make(chan struct{})
	}
	ch := d.idle
	d.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
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
