package cluster

import (
	"testing"
	"time"
)

// BenchmarkStreamsRecovery measures one recovery across nodes in streams
// mode: from the CONNECT a client sends to a node it was not on, with the
// pid and offset of its session on the other, to the CONNECT answer, one
// missed broadcast replayed before it (GET+DEL in a MULTI, two XRANGEs).
// The set-up of each recovery (connect, a broadcast, the cut, the session
// persisted) is not timed; a fresh connection to the same node is, apart,
// as the reference (µs/fresh: dial, Engine.IO handshake, CONNECT).
// bench/run-cluster.sh runs it.
func BenchmarkStreamsRecovery(b *testing.B) {
	url, key := redisURL(b), uniqueKey(b)
	a, other := startStreamsNode(b, url, key), startStreamsNode(b, url, key)
	waitServers(b, a, 2)
	var total, fresh time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		c, s, _ := connectRecovering(b, a.url, "bench", nil)
		_ = a.io.Of("/").To(c.id).Emit("m", i)
		s.offset = lastString(b, c.event(b, "m"))
		c.Close()
		waitSession(b, url, key, s.pid)
		_ = a.io.Of("/").To(s.sid).Emit("missed", i)
		b.StartTimer()
		start := time.Now()
		c2, s2, before := connectRecovering(b, other.url, "bench", &s)
		total += time.Since(start)
		b.StopTimer()
		if s2.sid != s.sid || len(before) != 1 {
			b.Fatalf("recovery %d: sid %s (want %s), %d packets before CONNECT", i, s2.sid, s.sid, len(before))
		}
		c2.Close()
		start = time.Now()
		c3, _, _ := connectRecovering(b, other.url, "fresh", nil)
		fresh += time.Since(start)
		c3.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(total.Microseconds())/float64(b.N), "µs/recovery")
	b.ReportMetric(float64(fresh.Microseconds())/float64(b.N), "µs/fresh")
}
