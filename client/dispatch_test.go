package client

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"
)

// TestDispatcherBusy: a dispatcher is busy while one of its jobs runs,
// and only then; wait returns once the queue is drained.
func TestDispatcherBusy(t *testing.T) {
	t.Parallel()
	d := &dispatcher{logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if d.busy() {
		t.Fatal("busy before any job")
	}
	release := make(chan struct{})
	inside := make(chan bool, 1)
	var ran atomic.Int32
	d.dispatch(func() {
		inside <- d.busy()
		<-release
		ran.Add(1)
	})
	d.dispatch(func() { ran.Add(1) })
	if !recv(t, inside, "the first job") {
		t.Error("not busy inside a job")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	if err := d.wait(ctx); err == nil {
		t.Error("wait returned while a job was held")
	}
	cancel()
	close(release)
	ctx, cancel = context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := d.wait(ctx); err != nil {
		t.Fatal(err)
	}
	if n := ran.Load(); n != 2 {
		t.Errorf("%d jobs ran before wait returned, want 2", n)
	}
	if d.busy() {
		t.Error("busy after the drain")
	}
}
