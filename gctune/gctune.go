// Package gctune sizes the Go collector's headroom to the heap of a
// real-time server. The duplex binary and the benchmark's test server use
// it; a program that embeds the socketio package can call Start too.
//
// Go lets the heap grow by GOGC% of the live heap between collections
// (100 by default: up to twice the live data), and by at least 4 MiB. Both
// halves of that rule are wrong for a server like Duplex:
//
//   - Holding many idle connections, the live heap is mostly their state
//     and the process ends at about twice it: 7.6 KiB of RSS for 3.2 KiB of
//     live data per connection in the idle benchmark.
//   - Busy with a small live heap (100 clients echoing), 4 MiB of headroom
//     lasts about 72 ms, and each collection delays every message in
//     flight: collections set the echo benchmark's 99th percentile.
//
// Start replaces the rule by headroom = max(Floor, Ratio × live heap),
// applied with debug.SetGCPercent after each collection. With the
// defaults (8 MiB, 0.35) a large heap gets about a third of Go's headroom
// and a small one twice its floor. In quick runs of the benchmarks (one
// core each): idle RSS 7.6 -> 5.7-5.9 KiB per connection, echo p99 1.3 ->
// 0.96-1.13 ms with a collection every 165 ms instead of 72. The price is
// collector CPU while the heap grows: the 10,000-connection ramp fell from
// 12,658 to 9,709 connections per server CPU-second between the two full
// runs (BENCHMARKS.md); a ratio of 0.25 cost more still, 0.5 would leave
// idle memory at half of Node's. A GOGC set in the environment is the
// user's choice and turns Start into a no-op; GOMEMLIMIT applies as usual.
package gctune

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
)

// Policy is the headroom rule: the heap may grow by max(Floor, Ratio ×
// live heap) bytes before the next collection.
type Policy struct {
	Floor uint64  // bytes; 0 means 8 MiB
	Ratio float64 // of the live heap; 0 means 0.35
}

// Default is the policy of the Duplex binaries.
var Default = Policy{Floor: 8 << 20, Ratio: 0.35}

// tuner is the state of a started policy, kept by the sentinel's
// finalizer.
type tuner struct {
	policy  Policy
	stopped atomic.Bool
	percent atomic.Int64 // the GOGC last set
	sample  []metrics.Sample
}

// Start applies p from the next collection on, until stop is called
// (stop restores GOGC=100). It does nothing when the environment sets GOGC.
func Start(p Policy) (stop func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	return start(p).stop
}

func start(p Policy) *tuner {
	if p.Floor == 0 {
		p.Floor = Default.Floor
	}
	if p.Ratio <= 0 {
		p.Ratio = Default.Ratio
	}
	t := &tuner{policy: p, sample: []metrics.Sample{
		{Name: "/gc/heap/live:bytes"},
		{Name: "/gc/scan/stack:bytes"},
		{Name: "/gc/scan/globals:bytes"},
	}}
	t.percent.Store(100)
	t.arm()
	return t
}

func (t *tuner) stop() {
	if !t.stopped.Swap(true) {
		debug.SetGCPercent(100)
	}
}

// sentinel is garbage from the moment it is made: its finalizer runs
// after the next collection. The pointer keeps it out of the tiny
// allocator, whose blocks are freed (and finalized) together.
type sentinel struct{ t *tuner }

func (t *tuner) arm() {
	runtime.SetFinalizer(&sentinel{t: t}, func(s *sentinel) {
		if s.t.stopped.Load() {
			return
		}
		s.t.adjust()
		s.t.arm()
	})
}

// adjust sets GOGC for the live heap the last collection found. Small
// changes are left alone: the rule needs no precision.
func (t *tuner) adjust() {
	metrics.Read(t.sample)
	var v [3]uint64
	for i, s := range t.sample {
		if s.Value.Kind() != metrics.KindUint64 {
			return
		}
		v[i] = s.Value.Uint64()
	}
	want := percentFor(t.policy, v[0], v[1]+v[2])
	cur := t.percent.Load()
	if d := want - cur; d*10 > cur || -d*10 > cur {
		debug.SetGCPercent(int(want))
		t.percent.Store(want)
	}
}

// maxPercent bounds GOGC for a nearly empty heap.
const maxPercent = 1_000_000

// heapMinimum is Go's smallest heap goal at GOGC=100 (4 MiB); it scales
// with GOGC like the headroom does.
const heapMinimum = 4 << 20

// percentFor is the smallest GOGC whose heap goal gives a live heap the
// policy's headroom. Go's goal is the larger of heapMinimum×GOGC/100 and
// live + (live+roots)×GOGC/100, where roots are the stacks and globals it
// scans: either term reaching live+headroom will do. Missing the first
// term made a nearly empty heap's goal 38 MiB instead of 8.
func percentFor(p Policy, live, roots uint64) int64 {
	headroom := max(float64(p.Floor), p.Ratio*float64(live))
	pct := 100 * (float64(live) + headroom) / heapMinimum
	if base := float64(live + roots); base > 0 {
		pct = min(pct, 100*headroom/base)
	}
	return min(max(int64(pct), 1), maxPercent)
}
