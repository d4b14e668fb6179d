package admin_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/duplexio/duplex/admin"
	"github.com/duplexio/duplex/client"
	"github.com/duplexio/duplex/internal/testservice"
	"github.com/duplexio/duplex/internal/testtime"
	"github.com/duplexio/duplex/socketio"
)

// TestMain checks for leaked goroutines.
func TestMain(m *testing.M) { testservice.Main(m) }

const wait = testtime.Wait

// testHash is the bcrypt hash of "s3cret", at the lowest cost so that the
// tests stay fast.
var testHash = func() string {
	h, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		panic(err)
	}
	return string(h)
}()

// startAdmin serves a Socket.IO server watched by an Admin with opts (the
// test user when nil); the test's cleanup stops both.
func startAdmin(t testing.TB, opts *admin.Options) (*socketio.Server, string) {
	t.Helper()
	if opts == nil {
		opts = &admin.Options{Auth: &admin.BasicAuth{Username: "admin", PasswordHash: testHash}}
	}
	a, err := admin.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	sopts := &socketio.Options{}
	a.Instrument(sopts)
	io := socketio.NewServer(sopts)
	a.Start(io)
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", io)
	ts := httptest.NewServer(mux)
	t.Cleanup(func() {
		_ = a.Close()
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		_ = io.Shutdown(ctx)
		ts.Close()
	})
	return io, ts.URL
}

// ui is a connection to the admin namespace that records what it gets.
type ui struct {
	s      *client.Socket
	events chan event
}

type event struct {
	name string
	args json.RawMessage
}

// dialUI connects to /admin with auth, every event recorded from the
// first.
func dialUI(t testing.TB, url string, auth any) (*ui, error) {
	t.Helper()
	m, err := client.NewManager(url, &client.Options{Auth: auth, DisableReconnection: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	u := &ui{s: m.Socket("/admin", nil), events: make(chan event, 1024)}
	u.s.OnAny(func(name string, args client.Args) {
		vals, _ := args.Forward()
		b, _ := json.Marshal(vals)
		u.events <- event{name, b}
	})
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	return u, u.s.Connect(ctx)
}

// next returns the next event named name, skipping others (server_stats
// come every 2 s).
func (u *ui) next(t testing.TB, name string) json.RawMessage {
	t.Helper()
	deadline := time.After(wait)
	for {
		select {
		case e := <-u.events:
			if e.name == name {
				return e.args
			}
		case <-deadline:
			t.Fatalf("no %s event", name)
		}
	}
}

// untilStats returns the names of the events before the next two
// server_stats (the first may have been sent before the caller's action),
// the second included.
func (u *ui) untilStats(t testing.TB) []string {
	t.Helper()
	var names []string
	stats := 0
	deadline := time.After(wait)
	for stats < 2 {
		select {
		case e := <-u.events:
			names = append(names, e.name)
			if e.name == "server_stats" {
				stats++
			}
		case <-deadline:
			t.Fatal("no server_stats")
		}
	}
	return names
}

// until returns the first event named name whose arguments satisfy ok.
func (u *ui) until(t testing.TB, name string, ok func(json.RawMessage) bool) json.RawMessage {
	t.Helper()
	deadline := time.After(wait)
	for {
		select {
		case e := <-u.events:
			if e.name == name && ok(e.args) {
				return e.args
			}
		case <-deadline:
			t.Fatalf("no matching %s event", name)
		}
	}
}

// dial connects a plain client to nsp.
func dial(t testing.TB, url, nsp string, opts *client.Options) *client.Socket {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	s, err := client.Dial(ctx, url+nsp, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// until waits for cond.
func until(t testing.TB, what string, cond func() bool) { testtime.Until(t, what, cond) }
