package socketio

import (
	"context"
	"sync"
)

// activity counts running socket dispatchers, so that Shutdown can wait for
// in-flight handlers. Unlike a sync.WaitGroup it may go from zero to busy
// again while someone waits, which happens when a disconnect starts a
// dispatcher during the wait.
type activity struct {
	mu   sync.Mutex
	n    int
	idle chan struct{} // closed when n drops to zero; made by a waiter
}

func (a *activity) add() {
	a.mu.Lock()
	a.n++
	a.mu.Unlock()
}

func (a *activity) done() {
	a.mu.Lock()
	a.n--
	if a.n == 0 && a.idle != nil {
		close(a.idle)
		a.idle = nil
	}
	a.mu.Unlock()
}

// wait returns once nothing runs, or with ctx's error.
func (a *activity) wait(ctx context.Context) error {
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
