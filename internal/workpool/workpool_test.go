package workpool

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestJobsNeverWait: a job blocked forever does not delay the next one.
func TestJobsNeverWait(t *testing.T) {
	p := New(time.Minute)
	defer p.Stop(context.Background())
	block := make(chan struct{})
	p.Go(func() { <-block })
	done := make(chan struct{})
	p.Go(func() { close(done) })
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("second job waited for the first")
	}
	close(block)
}

// TestWorkersAreReused: sequential jobs run on one goroutine.
func TestWorkersAreReused(t *testing.T) {
	p := New(time.Minute)
	defer p.Stop(context.Background())
	for i := 0; i < 100; i++ {
		done := make(chan struct{})
		p.Go(func() { close(done) })
		<-done
		time.Sleep(time.Millisecond) // the worker goes back to waiting
	}
	if n := p.Workers(); n > 2 {
		t.Errorf("%d workers after 100 sequential jobs, want 1 (2 on a slow machine)", n)
	}
}

// TestIdleWorkersExit: a worker gone idle for longer than the idle period
// exits by itself.
func TestIdleWorkersExit(t *testing.T) {
	p := New(20 * time.Millisecond)
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		p.Go(func() { time.Sleep(5 * time.Millisecond); wg.Done() })
	}
	wg.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for p.Workers() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d workers still running", p.Workers())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestStopWaitsForJobs: Stop returns after running jobs finished; jobs
// given afterwards still run.
func TestStopWaitsForJobs(t *testing.T) {
	p := New(time.Minute)
	var finished atomic.Bool
	started := make(chan struct{})
	p.Go(func() { close(started); time.Sleep(50 * time.Millisecond); finished.Store(true) })
	<-started
	if err := p.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !finished.Load() {
		t.Fatal("Stop returned before the running job finished")
	}
	done := make(chan struct{})
	p.Go(func() { close(done) })
	<-done
	_ = p.Stop(context.Background()) // idempotent
}

// TestStopGivesUpAtDeadline: a job that never returns does not hold Stop
// past its context.
func TestStopGivesUpAtDeadline(t *testing.T) {
	p := New(time.Minute)
	release := make(chan struct{})
	started := make(chan struct{})
	p.Go(func() { close(started); <-release })
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := p.Stop(ctx); err == nil {
		t.Error("Stop returned nil with a job still running")
	}
	close(release)
	if err := p.Stop(context.Background()); err != nil {
		t.Error(err)
	}
}
