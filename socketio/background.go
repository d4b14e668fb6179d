package socketio

import (
	"context"
	"errors"
	"sync"

	"github.com/duplexio/duplex/internal/activity"
)

// ErrServerClosed is returned by what would start work on a server that is
// shutting down, such as a broadcast with an ack callback, and is the
// cause (context.Cause) of the contexts Shutdown cancels.
var ErrServerClosed = errors.New("socketio: server shut down")

// background runs the goroutines the server starts on its own behalf,
// outside any socket's dispatcher: the wait of a broadcast whose ack
// callback Emit was given, and the handlers of events from other cluster
// nodes. They get a context that Shutdown cancels, and Shutdown waits for
// them, so that none outlives the server. The zero value is ready.
type background struct {
	mu      sync.Mutex
	ctx     context.Context // made on first use
	cancel  context.CancelCauseFunc
	stopped bool
	running activity.Counter
}

// start runs f on a new goroutine with the background context; it reports
// false, running nothing, once the server is shutting down.
func (b *background) start(f func(ctx context.Context)) bool {
	b.mu.Lock()
	if b.stopped {
		b.mu.Unlock()
		return false
	}
	if b.ctx == nil {
		b.ctx, b.cancel = context.WithCancelCause(context.Background())
	}
	ctx := b.ctx
	b.running.Add()
	b.mu.Unlock()
	go func() {
		defer b.running.Done()
		f(ctx)
	}()
	return true
}

// stop refuses new goroutines, cancels the context of those running and
// waits for them until ctx ends.
func (b *background) stop(ctx context.Context) error {
	b.mu.Lock()
	b.stopped = true
	if b.cancel != nil {
		b.cancel(ErrServerClosed)
	}
	b.mu.Unlock()
	return b.running.Wait(ctx)
}
