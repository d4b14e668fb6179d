// Package activity counts running goroutines for graceful shutdowns.
package activity

import (
	"context"
	"sync"
)

// Counter counts running goroutines so that a shutdown can wait for them.
// Unlike a sync.WaitGroup it may go from zero to busy again while someone
// waits (a connection closing during the wait starts a short goroutine),
// which a WaitGroup forbids and the race detector reports.
type Counter struct {
	mu   sync.Mutex
	n    int
	idle chan struct{} // closed when n drops to zero; made by a waiter
}

// Add counts one more running goroutine.
func (a *Counter) Add() {
	a.mu.Lock()
	a.n++
	a.mu.Unlock()
}

// Done counts one fewer.
func (a *Counter) Done() {
	a.mu.Lock()
	a.n--
	if a.n == 0 && a.idle != nil {
		close(a.idle)
		a.idle = nil
	}
	a.mu.Unlock()
}

// Wait returns once nothing runs, or with ctx's error.
func (a *Counter) Wait(ctx context.Context) error {
	a.mu.Lock()
	if a.n == 0 {
		a.mu.Unlock()
		return nil
	}
	if a.idle == nil {
		a.idle = make(chan struct{})
	}
	idle := a.idle
	a.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
