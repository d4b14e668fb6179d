// Package workpool runs short jobs on goroutines that are kept warm between
// jobs.
//
// A socket's handlers used to run on a goroutine started per burst of
// events. Under a request/response load (an event, its ack, the next event)
// every event paid for a new goroutine and, worse, for growing its stack
// from 2 KiB while decoding JSON: runtime.newstack/copystack were a fifth
// of the server's CPU in the echo benchmark. A worker that has run a job
// keeps its grown stack for the next one.
//
// Idle workers exit after an idle period, so an idle server keeps none, and
// Stop ends them at once, so that no goroutine outlives the server.
package workpool

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Pool hands jobs to idle workers, starting a worker when none is idle: a
// job never waits for another one to finish.
type Pool struct {
	idle time.Duration
	work chan func() // unbuffered: a send succeeds only when a worker waits
	quit chan struct{}
	once sync.Once
	wg   sync.WaitGroup
	mu   sync.Mutex // orders Go's wg.Add before Stop's wg.Wait
	done bool
	n    atomic.Int32 // running workers
}

// New returns a pool whose workers exit after idle without a job.
func New(idle time.Duration) *Pool {
	return &Pool{idle: idle, work: make(chan func()), quit: make(chan struct{})}
}

// Go runs job on an idle worker or on a new one. After Stop, job runs on
// a goroutine of its own that is not kept.
func (p *Pool) Go(job func()) {
	select {
	case p.work <- job:
		return
	default:
	}
	p.mu.Lock()
	if p.done {
		p.mu.Unlock()
		go job()
		return
	}
	p.wg.Add(1)
	p.n.Add(1)
	p.mu.Unlock()
	go p.worker(job)
}

// Workers returns the number of workers, busy or idle.
func (p *Pool) Workers() int { return int(p.n.Load()) }

func (p *Pool) worker(job func()) {
	defer p.wg.Done()
	defer p.n.Add(-1)
	job()
	t := time.NewTimer(p.idle)
	defer t.Stop()
	for {
		select {
		case job := <-p.work:
			job()
			t.Reset(p.idle)
		case <-t.C:
			return
		case <-p.quit:
			return
		}
	}
}

// Stop makes idle workers exit and waits, until ctx ends, for every worker
// to finish its job; a job still running then (a handler that does not
// return) keeps its goroutine until it returns. Jobs given to Go afterwards
// still run, on plain goroutines.
func (p *Pool) Stop(ctx context.Context) error {
	p.once.Do(func() {
		p.mu.Lock()
		p.done = true
		p.mu.Unlock()
		close(p.quit)
	})
	done := make(chan struct{})
	go func() {
		p.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
