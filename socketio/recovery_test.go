package socketio_test

import (
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/duplexio/duplex/internal/eiotest"
	"github.com/duplexio/duplex/parser"
	"github.com/duplexio/duplex/socketio"
)

// recoveryServer starts a server with connection state recovery; its
// connected sockets come on the channel.
func recoveryServer(t *testing.T, ro socketio.RecoveryOptions) (*socketio.Server, string, <-chan *socketio.Socket) {
	t.Helper()
	io, url := newServer(t, &socketio.Options{ConnectionStateRecovery: &ro})
	return io, url, onConnect(io, nil)
}

// session is what a recovering client keeps: the ids of the CONNECT
// answer and the last offset received.
type session struct{ sid, pid, offset string }

// joinSession sends CONNECT with auth and returns the answer's ids.
func joinSession(t *testing.T, c *eiotest.SIO, auth any) session {
	t.Helper()
	p, err := c.Connect("/", auth)
	if err != nil || p.Type != parser.Connect {
		t.Fatalf("Connect: %v %v", p, err)
	}
	var d struct{ SID, PID string }
	if err := json.Unmarshal(p.Data, &d); err != nil || !sidRE.MatchString(d.SID) || !sidRE.MatchString(d.PID) {
		t.Fatalf("CONNECT reply %s: want a sid and a pid (%v)", wire(p), err)
	}
	return session{sid: d.SID, pid: d.PID}
}

func (s session) auth() map[string]string { return map[string]string{"pid": s.pid, "offset": s.offset} }

var offsetRE = regexp.MustCompile(`,"([0-9a-z]+)"\]$`)

// offsetOf returns the offset ending an event's arguments, or "".
func offsetOf(p *parser.Packet) string {
	if m := offsetRE.FindStringSubmatch(wire(p)); m != nil {
		return m[1]
	}
	return ""
}

// expectStored reads the next event, checks it up to its offset and
// returns the offset.
func expectStored(t *testing.T, c *eiotest.SIO, event, prefix string) string {
	t.Helper()
	p, err := c.NextEvent(wait, event)
	if err != nil {
		t.Fatalf("NextEvent(%q): %v", event, err)
	}
	off := offsetOf(p)
	if want := prefix + `,"` + off + `"]`; off == "" || wire(p) != want {
		t.Fatalf("got %s, want %s with an offset", wire(p), prefix)
	}
	return off
}

// drop closes the socket's connection from the server ("forced close", a
// reason that keeps the session) and waits until it is gone.
func drop(t *testing.T, io *socketio.Server, s *socketio.Socket) {
	t.Helper()
	s.Conn().Close()
	eventually(t, "the socket to leave", func() bool { return io.Of("/").Socket(s.ID()) == nil })
}

func TestRecoveryConnectCarriesPID(t *testing.T) {
	t.Parallel()
	_, url, _ := recoveryServer(t, socketio.RecoveryOptions{})
	a, b := joinSession(t, dial(t, url, "websocket"), nil), joinSession(t, dial(t, url, "websocket"), nil)
	if a.pid == b.pid || a.pid == a.sid {
		t.Errorf("sessions %+v and %+v: want distinct private ids", a, b)
	}
}

// TestRecoveryOffsets: only events that may be replayed carry an offset:
// broadcasts and plain emits, not those with an ack id or
// acknowledgements (volatile ones: see the adapter's tests). As in Node, emits to one socket go through the adapter.
func TestRecoveryOffsets(t *testing.T) {
	t.Parallel()
	io, url, sockets := recoveryServer(t, socketio.RecoveryOptions{})
	c := dial(t, url, "websocket")
	joinSession(t, c, nil)
	s := recv(t, sockets, "connection")
	s.On("ask", func(ack socketio.AckFunc) { ack("answer") })

	_ = io.Emit("all", 1)
	_ = s.Emit("direct", "x")
	_ = s.Emit("with-ack", func(string) {})

	first := expectStored(t, c, "all", `2["all",1`)
	second := expectStored(t, c, "direct", `2["direct","x"`)
	expectEvent(t, c, "with-ack", `20["with-ack"]`)
	emitAck(t, c, "/", 7, "ask")
	expect(t, c, `37["answer"]`)
	_ = io.To(s.ID()).Emit("room")
	third := expectStored(t, c, "room", `2["room"`)
	if n := func(o string) uint64 { v, _ := strconv.ParseUint(o, 36, 64); return v }; !(n(first) < n(second) && n(second) < n(third)) {
		t.Errorf("offsets %q %q %q: want increasing", first, second, third)
	}
}

// TestRecoveryRestore: after a lost connection, a CONNECT with the pid and
// the last offset gets the same socket id, rooms and data back, and the
// broadcasts it missed (only those for its rooms), before the answer.
func TestRecoveryRestore(t *testing.T) {
	t.Parallel()
	forEachTransport(t, func(t *testing.T, transport string) {
		io, url, sockets := recoveryServer(t, socketio.RecoveryOptions{})
		c := dial(t, url, transport)
		sess := joinSession(t, c, nil)
		s := recv(t, sockets, "connection")
		s.Join("news")
		s.SetData("carried")
		_ = io.To("news").Emit("seen", 1)
		sess.offset = expectStored(t, c, "seen", `2["seen",1`)

		drop(t, io, s)
		_ = io.To("news").Emit("missed", 2)
		_ = io.To("other").Emit("not-mine")
		_ = io.Except("news").Emit("excluded")
		_ = io.Volatile().Emit("volatile")
		_ = io.Emit("missed", 3)

		c2 := dial(t, url, transport)
		again := joinSession(t, c2, sess.auth())
		if again.sid != sess.sid || again.pid != sess.pid {
			t.Fatalf("restored %+v, want the ids of %+v", again, sess)
		}
		r := recv(t, sockets, "reconnection")
		if !r.Recovered() || r.ID() != sess.sid || r.Data() != "carried" {
			t.Errorf("Recovered %v, id %s, data %v", r.Recovered(), r.ID(), r.Data())
		}
		if got := r.Rooms(); len(got) != 2 || !slices.Contains(got, "news") || !slices.Contains(got, sess.sid) {
			t.Errorf("rooms %v, want news and its own", got)
		}
		// The missed events came before the CONNECT answer, in order.
		expectStored(t, c2, "missed", `2["missed",2`)
		expectStored(t, c2, "missed", `2["missed",3`)
		expectNothing(t, c2)
		_ = io.To("news").Emit("live")
		expectStored(t, c2, "live", `2["live"`)
	})
}

// TestRecoveryRefused: a CONNECT that cannot resume a session gets a new
// one, with a new socket id.
func TestRecoveryRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		ro    socketio.RecoveryOptions
		leave func(t *testing.T, io *socketio.Server, c *eiotest.SIO, s *socketio.Socket)
		auth  func(s session) any
	}{
		{name: "no offset", auth: func(s session) any { return map[string]string{"pid": s.pid} }},
		{name: "unknown pid", auth: func(s session) any { s.pid = "AAAAAAAAAAAAAAAAAAAA"; return s.auth() }},
		{name: "unknown offset", auth: func(s session) any { s.offset = "zzzz"; return s.auth() }},
		{name: "offset not a string", auth: func(s session) any { return map[string]any{"pid": s.pid, "offset": 1} }},
		{name: "client disconnect",
			leave: func(t *testing.T, io *socketio.Server, c *eiotest.SIO, s *socketio.Socket) {
				send(t, c, "1")
				eventually(t, "the socket to leave", func() bool { return io.Of("/").Socket(s.ID()) == nil })
			}},
		{name: "server disconnect",
			leave: func(t *testing.T, io *socketio.Server, c *eiotest.SIO, s *socketio.Socket) {
				s.Disconnect(true)
				expectClosed(t, c)
			}},
		{name: "expired", ro: socketio.RecoveryOptions{MaxDisconnectionDuration: 100 * time.Millisecond},
			leave: func(t *testing.T, io *socketio.Server, _ *eiotest.SIO, s *socketio.Socket) {
				drop(t, io, s)
				time.Sleep(250 * time.Millisecond)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			io, url, sockets := recoveryServer(t, tt.ro)
			c := dial(t, url, "websocket")
			sess := joinSession(t, c, nil)
			s := recv(t, sockets, "connection")
			_ = io.Emit("seen")
			sess.offset = expectStored(t, c, "seen", `2["seen"`)
			if tt.leave == nil {
				tt.leave = func(t *testing.T, io *socketio.Server, _ *eiotest.SIO, s *socketio.Socket) { drop(t, io, s) }
			}
			tt.leave(t, io, c, s)
			auth := any(sess.auth())
			if tt.auth != nil {
				auth = tt.auth(sess)
			}
			again := joinSession(t, dial(t, url, "websocket"), auth)
			r := recv(t, sockets, "connection")
			if again.sid == sess.sid || again.pid == sess.pid || r.Recovered() || r.ID() != again.sid {
				t.Errorf("got %+v (Recovered %v) after %+v: want a new session", again, r.Recovered(), sess)
			}
		})
	}
}

// TestRecoveryMiddlewares: a recovered socket skips the middleware only
// with SkipMiddlewares; when it runs, it sees Recovered.
func TestRecoveryMiddlewares(t *testing.T) {
	t.Parallel()
	for _, skip := range []bool{true, false} {
		t.Run(strconv.FormatBool(skip), func(t *testing.T) {
			t.Parallel()
			io, url, sockets := recoveryServer(t, socketio.RecoveryOptions{SkipMiddlewares: skip})
			var runs, recovered atomic.Int32
			io.Use(func(s *socketio.Socket) error {
				runs.Add(1)
				if s.Recovered() {
					recovered.Add(1)
				}
				return nil
			})
			c := dial(t, url, "polling")
			sess := joinSession(t, c, nil)
			s := recv(t, sockets, "connection")
			_ = io.Emit("seen")
			sess.offset = expectStored(t, c, "seen", `2["seen"`)
			drop(t, io, s)
			if again := joinSession(t, dial(t, url, "polling"), sess.auth()); again.sid != sess.sid {
				t.Fatalf("not recovered: %+v after %+v", again, sess)
			}
			recv(t, sockets, "reconnection")
			want := int32(2)
			if skip {
				want = 1
			}
			if runs.Load() != want || recovered.Load() != want-1 {
				t.Errorf("middleware ran %d times (%d recovered), want %d", runs.Load(), recovered.Load(), want)
			}
		})
	}
}

// TestRecoveryOff: without the option, no pid and no offsets.
func TestRecoveryOff(t *testing.T) {
	t.Parallel()
	io, url := newServer(t, nil)
	c := dial(t, url, "websocket")
	p, err := c.Connect("/", nil)
	if err != nil || json.Unmarshal(p.Data, &struct{}{}) != nil || regexp.MustCompile(`pid`).Match(p.Data) {
		t.Fatalf("CONNECT %v %v: want no pid", p, err)
	}
	_ = io.Emit("plain")
	expectEvent(t, c, "plain", `2["plain"]`)
}
