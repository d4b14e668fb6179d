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
