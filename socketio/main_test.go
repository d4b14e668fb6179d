package socketio_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	"github.com/duplexio/duplex/internal/eiotest"
	"github.com/duplexio/duplex/internal/testtime"
	"github.com/duplexio/duplex/parser"
	"github.com/duplexio/duplex/socketio"
)

// TestMain fails the package when goroutines outlive its tests: every
// server is shut down and every client closed by t.Cleanup.
func TestMain(m *testing.M) { eiotest.CheckLeaks(m) }

// wait bounds what a test waits for that should happen: generous, since
// the tests run under -race on loaded machines. quiet is how long a test
// waits for something that should not happen.
const (
	wait  = testtime.Wait
	quiet = 200 * time.Millisecond
)

// transports are the two a client may connect with; the tests of what a
// client sees run over both.
var transports = []string{"websocket", "polling"}

// sidRE is the form of a socket id: 20 characters of URL-safe base64.
var sidRE = regexp.MustCompile(`^[A-Za-z0-9_-]{20}$`)

// newServer starts a Socket.IO server behind an httptest server; the
// test's cleanup shuts both down (after the clients, which are closed by
// cleanups registered later).
func newServer(t testing.TB, opts *socketio.Options) (*socketio.Server, string) {
	t.Helper()
	io := socketio.NewServer(opts)
	ts := httptest.NewServer(io)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if err := io.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		ts.Close()
	})
	return io, ts.URL
}

// dial opens an Engine.IO connection without joining a namespace.
func dial(t testing.TB, url, transport string) *eiotest.SIO {
	t.Helper()
	return eiotest.DialSIO(t, url, eiotest.Options{Transport: transport})
}

// connect dials and joins nsp; it returns the client and the socket id.
func connect(t testing.TB, url, transport, nsp string) (*eiotest.SIO, string) {
	t.Helper()
	c := dial(t, url, transport)
	return c, join(t, c, nsp, nil)
}

// join sends CONNECT for nsp and returns the socket id of the CONNECT
// reply, failing the test on a CONNECT_ERROR.
func join(t testing.TB, c *eiotest.SIO, nsp string, auth any) string {
	t.Helper()
	p, err := c.Connect(nsp, auth)
	if err != nil {
		t.Fatalf("Connect(%q): %v", nsp, err)
	}
	if p.Type != parser.Connect {
		t.Fatalf("Connect(%q) = %s, want CONNECT", nsp, wire(p))
	}
	var d struct {
		SID string `json:"sid"`
	}
	if err := json.Unmarshal(p.Data, &d); err != nil || !sidRE.MatchString(d.SID) {
		t.Fatalf("CONNECT reply %s: no valid sid (%v)", wire(p), err)
	}
	return d.SID
}

// wire returns the text part of a packet as it was on the wire.
func wire(p *parser.Packet) string { return string(p.AppendText(nil)) }

// next returns the next packet, failing the test when none comes.
func next(t testing.TB, c *eiotest.SIO) *parser.Packet {
	t.Helper()
	p, err := c.Next(wait)
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	return p
}

// expect reads the next packet and checks its text part.
func expect(t testing.TB, c *eiotest.SIO, want string) *parser.Packet {
	t.Helper()
	p := next(t, c)
	if got := wire(p); got != want {
		t.Fatalf("got packet %s, want %s", got, want)
	}
	return p
}

// expectEvent skips to the event named event and checks its text part.
func expectEvent(t testing.TB, c *eiotest.SIO, event, want string) *parser.Packet {
	t.Helper()
	p, err := c.NextEvent(wait, event)
	if err != nil {
		t.Fatalf("NextEvent(%q): %v", event, err)
	}
	if got := wire(p); got != want {
		t.Fatalf("got packet %s, want %s", got, want)
	}
	return p
}

// expectNothing checks that no packet arrives for a while.
func expectNothing(t testing.TB, c *eiotest.SIO) {
	t.Helper()
	p, err := c.Next(quiet)
	switch {
	case err == nil:
		t.Fatalf("unexpected packet %s", wire(p))
	case !errors.Is(err, eiotest.ErrTimeout):
		t.Fatalf("Next: %v, want a timeout", err)
	}
}

// expectClosed reads until the server ends the connection, returning the
// packets read meanwhile.
func expectClosed(t testing.TB, c *eiotest.SIO) []string {
	t.Helper()
	var got []string
	for {
		p, err := c.Next(wait)
		switch {
		case errors.Is(err, eiotest.ErrClosed):
			return got
		case err != nil:
			t.Fatalf("waiting for the connection to close: %v (after %q)", err, got)
		}
		got = append(got, wire(p))
	}
}

// emit sends an event from the client, failing the test on error.
func emit(t testing.TB, c *eiotest.SIO, nsp string, event string, args ...any) {
	t.Helper()
	if err := c.Emit(nsp, nil, event, args...); err != nil {
		t.Fatalf("Emit(%q): %v", event, err)
	}
}

// emitAck sends an event asking for the acknowledgement id.
func emitAck(t testing.TB, c *eiotest.SIO, nsp string, id uint64, event string, args ...any) {
	t.Helper()
	if err := c.Emit(nsp, &id, event, args...); err != nil {
		t.Fatalf("Emit(%q): %v", event, err)
	}
}

// send sends a Socket.IO packet given in its text form.
func send(t testing.TB, c *eiotest.SIO, text string) {
	t.Helper()
	if err := c.SendText(text); err != nil {
		t.Fatalf("SendText(%q): %v", text, err)
	}
}

// recv waits for a value on ch.
func recv[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(wait):
		t.Fatalf("timeout waiting for %s", what)
		panic("unreachable")
	}
}

// none checks that nothing arrives on ch for a while.
func none[T any](t testing.TB, ch <-chan T, what string) {
	t.Helper()
	select {
	case v := <-ch:
		t.Fatalf("unexpected %s: %v", what, v)
	case <-time.After(quiet):
	}
}

// socketOf returns the server side of a connected socket.
func socketOf(t testing.TB, io *socketio.Server, nsp, sid string) *socketio.Socket {
	t.Helper()
	s := io.Of(nsp).Socket(sid)
	if s == nil {
		t.Fatalf("no socket %s in %s", sid, nsp)
	}
	return s
}

// eventually polls cond until it holds (testtime.Until).
var eventually = testtime.Until

// onConnect registers a connection handler on "/" that passes each socket
// to the returned channel after setup ran.
func onConnect(io *socketio.Server, setup func(*socketio.Socket)) <-chan *socketio.Socket {
	ch := make(chan *socketio.Socket, 16)
	io.OnConnection(func(s *socketio.Socket) {
		if setup != nil {
			setup(s)
		}
		ch <- s
	})
	return ch
}

// forEachTransport runs f as a parallel subtest per transport.
func forEachTransport(t *testing.T, f func(t *testing.T, transport string)) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			t.Parallel()
			f(t, tr)
		})
	}
}
