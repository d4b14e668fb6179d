package gctune

import (
	"runtime"
	"testing"
	"time"
)

func TestPercentFor(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		live, roots uint64
		want        int64
	}{
		{0, 0, 200},             // the floor alone: Go's 4 MiB minimum goal doubled
		{1 * mib, 0, 225},       // the floor: a goal of 9 MiB through the minimum
		{16 * mib, 0, 50},       // still the floor: 0.35 × 16 MiB is less
		{64 * mib, 0, 35},       // the ratio
		{1 << 40, 0, 35},        // a huge heap
		{4 * mib, 0, 200},       // twice Go's default headroom for a small heap
		{32 * mib, 0, 35},       // the ratio from 8 / 0.35 ≈ 22.9 MiB on
		{1 * mib, 1 * mib, 225}, // roots do not change the minimum's term
		{64 * mib, 6 * mib, 32}, // roots count in Go's base: 0.35 × 64 MiB on 70
	} {
		if got := percentFor(Default, c.live, c.roots); got != c.want {
			t.Errorf("percentFor(%d bytes, roots %d) = %d, want %d", c.live, c.roots, got, c.want)
		}
	}
}

// TestTunerFollowsTheLiveHeap: after collections, GOGC is what the policy
// gives for the live heap, and it follows the heap down again.
func TestTunerFollowsTheLiveHeap(t *testing.T) {
	tu := start(Default)
	defer tu.stop()
	big := make([]byte, 96<<20) // live, noscan
	for i := range big {
		big[i] = byte(i) // touched: counted however the runtime looks
	}
	waitPercent(t, tu, func(p int64) bool { return p >= 30 && p <= 45 }, "about 35 with 96 MiB live")
	runtime.KeepAlive(big)
	big = nil
	waitPercent(t, tu, func(p int64) bool { return p >= 200 }, "at least 200 with a small heap")
}

// waitPercent collects until the tuner's GOGC satisfies ok.
func waitPercent(t *testing.T, tu *tuner, ok func(int64) bool, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond) // the finalizer runs on its own goroutine
		if ok(tu.percent.Load()) {
			return
		}
	}
	t.Fatalf("GOGC %d, want %s", tu.percent.Load(), what)
}
