package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/internal/eiotest"
	"github.com/duplexio/duplex/internal/testservice"
	"github.com/duplexio/duplex/parser"
)

// With --redis-mode streams, recovery is on and sessions live in Redis: a
// client of a node that shut down recovers its socket on the node that
// replaces it (a restart).
func TestStreamsModeRestart(t *testing.T) {
	redis := testservice.StartRedis(t)
	key := "duplex-streams-" + adapter.RandomID(4)
	args := []string{"--redis", redis.URL(), "--redis-mode", "streams", "--redis-key", key}
	url, logs, stop := startServer(t, args...)
	if !strings.Contains(logs.String(), "mode=streams") {
		t.Errorf("no streams mode in the start-up log:\n%s", logs.String())
	}
	c := eiotest.DialSIO(t, url, eiotest.Options{Transport: "websocket"})
	sid, pid := connectAs(t, c, map[string]string{"name": "ann"})
	if pid == "" {
		t.Fatal("no pid: recovery is off")
	}
	p, err := c.NextEvent(wait, "welcome")
	if err != nil {
		t.Fatal(err)
	}
	var welcome []any
	_ = json.Unmarshal(p.Data, &welcome)
	offset, _ := welcome[len(welcome)-1].(string)
	if err := stop(); err != nil { // persists the session: "server shutting down"
		t.Fatal(err)
	}
	c.Close()

	url2, _, _ := startServer(t, args...)
	c2 := eiotest.DialSIO(t, url2, eiotest.Options{Transport: "websocket"})
	sid2, pid2 := connectAs(t, c2, map[string]string{"name": "ann", "pid": pid, "offset": offset})
	if sid2 != sid || pid2 != pid {
		t.Errorf("after the restart: sid %s pid %s, want %s %s (offset %q)", sid2, pid2, sid, pid, offset)
	}
}

func connectAs(t *testing.T, c *eiotest.SIO, auth any) (sid, pid string) {
	t.Helper()
	p, err := c.Connect("/", auth)
	if err != nil || p.Type != parser.Connect {
		t.Fatalf("connect: %v %v", p, err)
	}
	var d struct{ SID, PID string }
	_ = json.Unmarshal(p.Data, &d)
	return d.SID, d.PID
}
