//go:build linux

package websocket

import (
	"fmt"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// deferrer defers, for each text message "wait", work that blocks until
// the connection's next message arrives: what a Socket.IO handler waiting
// for its client's acknowledgement does.
type deferrer struct {
	c        atomic.Pointer[PollConn] // set once Add returned
	deferred chan bool                // Defer's result for each "wait"
	next     chan string              // the messages after a "wait"
	done     chan string              // what each deferred func saw
	release  chan struct{}            // closed to let "block" funcs return
}

func (d *deferrer) OnMessage(data []byte, _ bool) {
	switch msg := string(data); msg {
	case "wait":
		d.deferred <- d.c.Load().Defer(func() { d.done <- <-d.next })
	case "block":
		d.deferred <- d.c.Load().Defer(func() { <-d.release; d.done <- "released" })
	default:
		d.next <- msg
	}
}

func (d *deferrer) OnPing([]byte)   {}
func (d *deferrer) OnClose(_ error) {}

func newDeferrer() *deferrer {
	return &deferrer{
		deferred: make(chan bool, 4), next: make(chan string, 4),
		done: make(chan string, 4), release: make(chan struct{}),
	}
}

// addDeferrer adds the server end of a TCP pair to p with d; it returns
// the client end.
func addDeferrer(t *testing.T, p *Poller, d *deferrer) net.Conn {
	t.Helper()
	client, server := tcpPair(t)
	c, err := p.Add(server, d, ConnOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d.c.Store(c)
	return client
}

func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatalf("no %s", what)
		panic("unreachable")
	}
}

// TestDeferWaitsForNextMessage: work deferred by a handler runs after the
// connection is let go, so it can wait for the connection's next message,
// which another worker reads meanwhile.
func TestDeferWaitsForNextMessage(t *testing.T) {
	p, err := NewPoller(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	d := newDeferrer()
	client := addDeferrer(t, p, d)
	write(t, client, frame(0x81, "wait"))
	if !recv(t, d.deferred, "Defer result") {
		t.Fatal("Defer refused from a worker")
	}
	write(t, client, frame(0x81, "answer"))
	if got := recv(t, d.done, "deferred run"); got != "answer" {
		t.Fatalf("deferred func saw %q, want answer", got)
	}
}

// TestCloseDoesNotWaitForDeferred: Poller.Close waits for its workers, not
// for work they deferred, which may block for as long as the application
// wants.
func TestCloseDoesNotWaitForDeferred(t *testing.T) {
	p, err := NewPoller(Options{})
	if err != nil {
		t.Fatal(err)
	}
	d := newDeferrer()
	client := addDeferrer(t, p, d)
	write(t, client, frame(0x81, "block"))
	if !recv(t, d.deferred, "Defer result") {
		t.Fatal("Defer refused from a worker")
	}
	closed := make(chan error, 1)
	go func() { closed <- p.Close() }()
	if err := recv(t, closed, "Close"); err != nil {
		t.Fatal(err)
	}
	close(d.release)
	if got := recv(t, d.done, "deferred run"); got != "released" {
		t.Fatalf("deferred func ended with %q", got)
	}
}

// TestDeferredWorkLeavesThePool: a worker running deferred work is not
// counted against MaxWorkers, so blocked work on every connection cannot
// leave none to read the messages it waits for.
func TestDeferredWorkLeavesThePool(t *testing.T) {
	p, err := NewPoller(Options{MaxWorkers: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	const conns = 4
	ds := make([]*deferrer, conns)
	clients := make([]net.Conn, conns)
	for i := range ds {
		ds[i] = newDeferrer()
		clients[i] = addDeferrer(t, p, ds[i])
		write(t, clients[i], frame(0x81, "wait"))
		if !recv(t, ds[i].deferred, "Defer result") {
			t.Fatal("Defer refused from a worker")
		}
	}
	for i, c := range clients {
		write(t, c, frame(0x81, fmt.Sprint("answer ", i)))
	}
	for i, d := range ds {
		if got, want := recv(t, d.done, "deferred run"), fmt.Sprint("answer ", i); got != want {
			t.Errorf("connection %d: deferred func saw %q, want %q", i, got, want)
		}
	}
}
