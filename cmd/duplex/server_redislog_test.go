package main

import (
	"net"
	"strings"
	"testing"
	"time"
)

// With Redis unreachable, go-redis's own complaints come out through our
// logger, in our format, and every line of the log is ours.
func TestRedisLogRouted(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // nothing listens there now
	_, logs, stop := startServer(t, "--redis", "redis://"+addr+"/0")
	const want = `level=DEBUG msg="redis client" detail="connection pool: failed to dial`
	deadline := time.Now().Add(wait)
	for !strings.Contains(logs.String(), want) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if err := stop(); err != nil {
		t.Error(err)
	}
	if !strings.Contains(logs.String(), want) {
		t.Errorf("no go-redis line in the log; want one with %s\n%s", want, logs.String())
	}
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if !strings.HasPrefix(line, "time=") {
			t.Errorf("a line not in our format: %q", line)
		}
	}
}
