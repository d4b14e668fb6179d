package metrics_test

import (
	"testing"

	"github.com/duplexio/duplex/metrics"
)

// BenchmarkPerRecipient is what a broadcast pays the Collector per
// recipient (an event written, a message queued), from every core at
// once, as the writers of a fan-out do: the cost of metrics next to the
// time the server spends per recipient (BenchmarkBroadcast in socketio).
func BenchmarkPerRecipient(b *testing.B) {
	c := metrics.New()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c.EventSent("/")
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
