package client

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

// TestRecoveryNode: with a server that recovers connection states (Node's,
// connectionStateRecovery on), a reconnection after a lost connection
// keeps the socket id and replays the broadcast missed meanwhile.
func TestRecoveryNode(t *testing.T) {
	t.Parallel()
	testRecovery(t, func(t testing.TB, o fixtureOptions) testServer { return startNode(t, o) })
}

// TestRecoveryGo is TestRecoveryNode against our server.
func TestRecoveryGo(t *testing.T) {
	t.Parallel()
	testRecovery(t, func(t testing.TB, o fixtureOptions) testServer { return startGo(t, o) })
}

// TestRecoveryMsgpack is TestRecoveryNode and TestRecoveryGo with the
// msgpack parser on both sides.
func TestRecoveryMsgpack(t *testing.T) {
	t.Parallel()
	for _, kind := range serverKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			testRecoveryWith(t, kind.start, fixtureOptions{recovery: true, msgpack: true})
		})
	}
}

func testRecovery(t *testing.T, start func(testing.TB, fixtureOptions) testServer) {
	testRecoveryWith(t, start, fixtureOptions{recovery: true})
}

// testRecoveryWith runs the recovery test in every transport mode on
// servers started with fo (and the client speaking fo's parser).
func testRecoveryWith(t *testing.T, start func(testing.TB, fixtureOptions) testServer, fo fixtureOptions) {
	for _, mode := range transportModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			srv := start(t, fo)
			o := testOptions(mode.transports)
			if fo.msgpack {
				o.Parser = ParserMsgpack
			}
			// Slow enough for the tick to be sent while disconnected.
			o.ReconnectionDelay, o.ReconnectionDelayMax = 600*time.Millisecond, time.Second
			o.RandomizationFactor = -1
			s := dial(t, srv, "/", o)
			ev := collect(s)
			connects := make(chan struct{}, 2)
			s.OnConnect(func() { connects <- struct{}{} })
			if err := s.Emit("broadcast-tick", 1); err != nil {
				t.Fatal(err)
			}
			first := ev.next(t, "tick")
			if len(first) != 2 || first[0] != 1.0 {
				t.Fatalf("tick %v: want 1 and an offset", first)
			}
			id := s.ID()
			if err := s.Emit("drop-and-tick", 2, 100); err != nil {
				t.Fatal(err)
			}
			recv(t, connects, "reconnection")
			if !s.Recovered() || s.ID() != id {
				t.Errorf("Recovered %v, id %q (was %q): want the session recovered", s.Recovered(), s.ID(), id)
			}
			if got := ev.next(t, "tick"); len(got) != 2 || got[0] != 2.0 {
				t.Errorf("missed tick %v: want 2 and an offset", got)
			}
		})
	}
}

// TestRecoveryUnsupported: a server without connection state recovery
// starts a new session on reconnection; the client copes.
func TestRecoveryUnsupported(t *testing.T) {
	t.Parallel()
	srv := startGo(t, fixtureOptions{})
	s := dial(t, srv, "/", testOptions(nil))
	connects := make(chan struct{}, 2)
	s.OnConnect(func() { connects <- struct{}{} })
	id := s.ID()
	if err := s.Emit("drop-transport"); err != nil {
		t.Fatal(err)
	}
	recv(t, connects, "reconnection")
	if s.Recovered() || s.ID() == id {
		t.Errorf("Recovered %v, id %q (was %q)", s.Recovered(), s.ID(), id)
	}
}

func TestConnectData(t *testing.T) {
	t.Parallel()
	tests := []struct {
		auth, pid, offset, want string
		err                     bool
	}{
		{"", "", "", "", false},
		{`{"a":1}`, "", "", `{"a":1}`, false},
		{`"x"`, "", "", "", true},
		{"", "p", "", `{"pid":"p"}`, false},
		{"", "p", "o", `{"offset":"o","pid":"p"}`, false},
		{`{"a":1}`, "p", "o", `{"a":1,"offset":"o","pid":"p"}`, false},
		{`{"pid":"mine"}`, "p", "o", `{"offset":"o","pid":"mine"}`, false},
		{`[1]`, "p", "o", "", true},
	}
	for _, tt := range tests {
		got, err := connectData(json.RawMessage(tt.auth), tt.pid, tt.offset)
		if (err != nil) != tt.err || string(got) != tt.want {
			t.Errorf("connectData(%s, %q, %q) = %s, %v; want %s, error %v", tt.auth, tt.pid, tt.offset, got, err, tt.want, tt.err)
		}
	}
}

// TestAuthFuncError: an AuthFunc error fails the connection attempt.
func TestAuthFuncError(t *testing.T) {
	t.Parallel()
	srv := startGo(t, fixtureOptions{})
	o := testOptions(nil)
	o.AuthFunc = func(context.Context) (any, error) { return nil, context.Canceled }
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if _, err := Dial(ctx, srv.URL(), o); err == nil {
		t.Fatal("Dial succeeded")
	}
	o.AuthFunc = nil
	o.Auth = "not an object"
	if _, err := Dial(ctx, srv.URL(), o); err == nil {
		t.Fatal("Dial succeeded with a string auth")
	}
}
