package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/duplexio/duplex/adapter/redisadapter"
)

// TestRedisRestart restarts Redis in the middle of a stream of broadcasts
// from one Go node to a client of another: the nodes keep serving, the
// cluster resumes once Redis is back, and what was lost meanwhile is
// logged (Redis pub/sub keeps nothing, so ticks published while it was
// down are gone). Not parallel: no other test of the package runs while
// Redis is down. It needs the local Redis and redis-server on PATH.
func TestRedisRestart(t *testing.T) {
	url := redisURL(t)
	if !strings.Contains(url, "127.0.0.1:6379") && !strings.Contains(url, "localhost:6379") {
		t.Skipf("Redis at %s is not the local one this test may restart", url)
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server not on PATH")
	}
	start := redisStartCommand(t)
	t.Cleanup(func() { ensureRedis(t, start) }) // registered first: runs after the nodes close

	key := uniqueKey(t)
	a, b := startGoNode(t, url, key, redisadapter.ModeClassic), startGoNode(t, url, key, redisadapter.ModeClassic)
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
			if len(args) == 2 {
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
	// redis-cli may report the connection closing under it: not an error.
	out, _ := exec.Command("redis-cli", "-p", "6379", "shutdown", "nosave").CombinedOutput()
	if exec.Command("redis-cli", "-p", "6379", "ping").Run() == nil {
		t.Fatalf("redis-cli shutdown nosave: Redis still answers (%s)", out)
	}
	time.Sleep(time.Second)
	upAt := sent.Load()
	if out, err := exec.Command(start[0], start[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("restarting redis: %v %s", err, out)
	}
	restarted := time.Now()
	ensureRedis(t, start)

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

// redisStartCommand returns the command that starts the local Redis again
// as it runs now: same bind addresses, directory and log file.
func redisStartCommand(t testing.TB) []string {
	t.Helper()
	get := func(name string) string {
		out, err := exec.Command("redis-cli", "-p", "6379", "config", "get", name).Output()
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if err != nil || len(lines) < 2 {
			t.Fatalf("redis-cli config get %s: %v %q", name, err, out)
		}
		return strings.TrimSpace(lines[1])
	}
	cmd := []string{"redis-server", "--daemonize", "yes", "--bind"}
	cmd = append(cmd, strings.Fields(get("bind"))...)
	cmd = append(cmd, "--port", "6379", "--save", "", "--appendonly", "no", "--dir", get("dir"))
	if lf := get("logfile"); lf != "" {
		cmd = append(cmd, "--logfile", lf)
	}
	return cmd
}

// ensureRedis starts Redis with start unless it answers, and waits until
// it does.
func ensureRedis(t testing.TB, start []string) {
	ping := func() bool { return exec.Command("redis-cli", "-p", "6379", "ping").Run() == nil }
	if !ping() {
		if out, err := exec.Command(start[0], start[1:]...).CombinedOutput(); err != nil {
			t.Errorf("starting redis: %v %s", err, out)
		}
	}
	for range 100 {
		if ping() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("redis did not come back")
}
