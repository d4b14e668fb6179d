package metrics_test

import (
	"testing"

	"github.com/duplexio/duplex/metrics"
)

// BenchmarkPerRecipient is what a broadcast pays the Collector per
// recipient, a message queued, from every core at once as the writers of
// a fan-out do (the events of a broadcast are counted once per broadcast,
// EventsSent). The cost next to the rest of a fan-out is measured by
// instruction counts (BENCHMARKS.md, "The cost of metrics").
func BenchmarkPerRecipient(b *testing.B) {
	c := metrics.New()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c.MessagesOut(1, 24)
		}
	})
}

// BenchmarkPerEvent is what an echo pays the Collector: an event and a
// message in, a message out.
func BenchmarkPerEvent(b *testing.B) {
	c := metrics.New()
	b.ReportAllocs()
	for b.Loop() {
		c.MessagesIn(1, 40)
		c.EventReceived("/")
		c.MessagesOut(1, 8)
	}
}
