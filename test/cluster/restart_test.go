package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/duplexio/duplex/adapter/redisadapter"
	"github.com/duplexio/duplex/internal/testservice"
)

// TestRedisRestart restarts Redis in the middle of a stream of broadcasts
// from one Go node to a client of another: the nodes keep serving, the
// cluster resumes once Redis is back, and what was lost meanwhile is
// logged (Redis pub/sub keeps nothing, so ticks published while it was
// down are gone). The Redis is the test's own (internal/testservice), on a
// free port: no other test, and no developer's Redis, sees it go down.
func TestRedisRestart(t *testing.T) {
	testRedisRestart(t, func(url, key string) *goNode { return startGoNode(t, url, key, redisadapter.ModeClassic) })
}

// TestRedisRestartStreams is TestRedisRestart in streams mode with
// recovery on: Redis keeps no stream across the restart (no persistence),
// and the nodes read the new one from its start.
func TestRedisRestartStreams(t *testing.T) {
	testRedisRestart(t, func(url, key string) *goNode { return startStreamsNode(t, url, key) })
}

func testRedisRestart(t *testing.T, start func(url, key string) *goNode) {
	t.Parallel()
	srv := testservice.StartRedis(t)
	url := srv.URL()

	key := uniqueKey(t)
	a, b := start(url, key), start(url, key)
	waitServers(t, a, 2)
	cb := connectClient(t, b.url, "b")

	// Ticks every 5 ms from node a, until stop.
	var sent atomic.Int64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for i := int64(0); ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
			_ = a.io.Of("/").Emit("tick", i)
			sent.Store(i + 1)
		}
	}()
	defer func() { close(stop); <-done }()

	got := map[int64]bool{}
	recv := func(until func() bool, limit time.Duration) bool {
		deadline := time.Now().Add(limit)
		for time.Now().Before(deadline) {
			p, err := cb.NextEvent(time.Until(deadline), "tick")
			if err != nil {
				return false
			}
			var args []any
			_ = json.Unmarshal(p.Data, &args)
			if len(args) >= 2 { // 3 with recovery: the offset
				n, _ := args[1].(float64)
				got[int64(n)] = true
			}
			if until() {
				return true
			}
		}
		return false
	}
	if !recv(func() bool { return len(got) >= 100 }, wait) {
		t.Fatalf("before the restart: only %d ticks arrived", len(got))
	}

	downAt := sent.Load()
	if err := srv.Stop(); err != nil {
		t.Fatalf("stopping Redis: %v", err)
	}
	time.Sleep(time.Second)
	upAt := sent.Load()
	if err := srv.Restart(); err != nil {
		t.Fatalf("restarting Redis: %v", err)
	}
	restarted := time.Now()

	// Resumed: ticks sent after the restart arrive again.
	var resumed int64 = -1
	if !recv(func() bool {
		for n := range got {
			if n >= upAt && (resumed < 0 || n < resumed) {
				resumed = n
			}
		}
		return resumed >= 0 && len(got) > 0 && maxKey(got) >= resumed+100
	}, 12*time.Second) {
		t.Fatalf("cluster did not resume: %d ticks received, last %d, %d sent", len(got), maxKey(got), sent.Load())
	}
	last := maxKey(got)
	var lost []int64
	for i := int64(0); i <= last; i++ {
		if !got[i] {
			lost = append(lost, i)
		}
	}
	t.Logf("Redis down from tick %d, restarted at tick %d; first tick after it: %d (%.1fs after the restart); "+
		"lost %d of %d ticks up to %d: %s", downAt, upAt, resumed, resumedAfter(restarted), len(lost), last+1, last, ranges(lost))
	waitServers(t, a, 2)
	if _, err := a.io.Of("/").FetchSockets(context.Background()); err != nil {
		t.Fatalf("FetchSockets after the restart: %v", err)
	}
}

func resumedAfter(t time.Time) float64 { return time.Since(t).Seconds() }

func maxKey(m map[int64]bool) int64 {
	n := int64(-1)
	for k := range m {
		n = max(n, k)
	}
	return n
}

// ranges writes sorted numbers as "3-7, 9".
func ranges(ns []int64) string {
	var sb strings.Builder
	for i := 0; i < len(ns); {
		j := i
		for j+1 < len(ns) && ns[j+1] == ns[j]+1 {
			j++
		}
		if sb.Len() > 0 {
			sb.WriteString(", ")
		}
		if i == j {
			fmt.Fprintf(&sb, "%d", ns[i])
		} else {
			fmt.Fprintf(&sb, "%d-%d", ns[i], ns[j])
		}
		i = j + 1
	}
	if sb.Len() == 0 {
		return "none"
	}
	return sb.String()
}
