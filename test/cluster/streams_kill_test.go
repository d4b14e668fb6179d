package cluster

import (
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/duplexio/duplex/internal/eiotest"
)

// TestStreamsNodeKilled: a duplex node (bin/duplex, --redis-mode streams)
// is SIGKILLed while clients are connected to it; each recovers on another
// node with its id and every broadcast it missed. The killed process
// persisted nothing on its way out: the sessions are the ones it saved
// when the sockets connected (--redis-mode streams keeps sessions).
func TestStreamsNodeKilled(t *testing.T) {
	t.Parallel()
	url, key := redisURL(t), uniqueKey(t)
	killed := startDuplex(t, "--redis", url, "--redis-mode", "streams", "--redis-key", key)
	o := streamsOptions(key)
	o.SessionKeyPrefix = "sio:session:" // duplex's
	other := startStreamsNodeOpts(t, url, o)
	waitServers(t, other, 2)

	const n = 20
	clients, sessions := make([]*client, n), make([]session, n)
	for i := range n {
		clients[i], sessions[i], _ = connectRecovering(t, killed.url, fmt.Sprintf("kim%d", i), nil)
		waitSessionKey(t, url, "sio:session:"+sessions[i].pid)
	}
	_ = other.io.Of("/").Emit("m", 1)
	for i, c := range clients {
		sessions[i].offset = lastString(t, c.event(t, "m"))
	}
	killed.kill(t)
	for _, c := range clients {
		c.Close()
	}
	_ = other.io.Of("/").Emit("m", 2)
	_ = other.io.Of("/").Emit("m", 3)

	start := time.Now()
	for i, s := range sessions {
		_, s2, before := connectRecovering(t, other.url, fmt.Sprintf("kim%d", i), &s)
		if s2.sid != s.sid {
			t.Fatalf("client %d after the kill: sid %s, want %s", i, s2.sid, s.sid)
		}
		var got []any
		for _, p := range before {
			if eiotest.EventName(p) == "m" {
				got = append(got, args(t, p)[1])
			}
		}
		if fmt.Sprint(got) != "[2 3]" {
			t.Errorf("client %d missed = %v, want [2 3]", i, got)
		}
	}
	t.Logf("%d clients recovered one after the other in %v", n, time.Since(start))
}

// duplexProc is a bin/duplex child process.
type duplexProc struct {
	url string
	cmd *exec.Cmd
}

// startDuplex builds cmd/duplex and runs it on a free port with args.
func startDuplex(t testing.TB, args ...string) *duplexProc {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "duplex")
	build := exec.Command("go", "build", "-o", bin, "./cmd/duplex")
	build.Dir = repoRoot()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	cmd := exec.Command(bin, append([]string{"--addr", "127.0.0.1:" + strconv.Itoa(port)}, args...)...)
	cmd.Stdout, cmd.Stderr = testWriter{t}, testWriter{t}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &duplexProc{url: "http://127.0.0.1:" + strconv.Itoa(port), cmd: cmd}
	t.Cleanup(func() { p.kill(t) })
	eventually(t, "duplex listening", func() error {
		resp, err := http.Get(p.url + "/healthz")
		if err != nil {
			return err
		}
		_ = resp.Body.Close()
		return nil
	})
	return p
}

// kill sends SIGKILL and waits for the process; it may be called twice.
func (p *duplexProc) kill(t testing.TB) {
	if p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	_ = p.cmd.Wait()
}
