package admin_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/duplexio/duplex/admin"
	"github.com/duplexio/duplex/client"
	"github.com/duplexio/duplex/internal/eiotest"
	"github.com/duplexio/duplex/parser"
	"github.com/duplexio/duplex/socketio"
)

// record is a socket as the UI gets it.
type record struct {
	ID        string         `json:"id"`
	ClientID  string         `json:"clientId"`
	Transport string         `json:"transport"`
	Nsp       string         `json:"nsp"`
	Data      map[string]any `json:"data"`
	Rooms     []string       `json:"rooms"`
	Handshake struct {
		Address string         `json:"address"`
		Issued  *float64       `json:"issued"`
		Time    string         `json:"time"`
		Headers map[string]any `json:"headers"`
		Query   map[string]any `json:"query"`
	} `json:"handshake"`
}

// args decodes an event's arguments into vs, in order.
func args(t testing.TB, raw json.RawMessage, vs ...any) {
	t.Helper()
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil || len(list) < len(vs) {
		t.Fatalf("arguments %s: %v", raw, err)
	}
	for i, v := range vs {
		if err := json.Unmarshal(list[i], v); err != nil {
			t.Fatalf("argument %d of %s: %v", i, raw, err)
		}
	}
}

func TestAllSocketsAndSocketEvents(t *testing.T) {
	t.Parallel()
	io, url := startAdmin(t, &admin.Options{NoAuth: true})
	io.Of("/chat").OnConnection(func(s *socketio.Socket) {
		s.SetData(map[string]any{"user": "alice"})
		s.On("hello", func(n int) { _ = s.Emit("welcome", n+1) })
	})
	first := dial(t, url, "/chat", &client.Options{Transports: []string{"websocket"}})

	u, err := dialUI(t, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	var all []record
	args(t, u.next(t, "all_sockets"), &all)
	i := slices.IndexFunc(all, func(r record) bool { return r.ID == first.ID() })
	if i < 0 {
		t.Fatalf("all_sockets %+v lacks %s", all, first.ID())
	}
	r := all[i]
	if r.Nsp != "/chat" || r.Transport != "websocket" || len(r.ClientID) != 12 || r.Data["user"] != "alice" ||
		r.Handshake.Issued == nil || r.Handshake.Address != "127.0.0.1" || !slices.Contains(r.Rooms, first.ID()) {
		t.Errorf("record %+v", r)
	}
	if _, ok := r.Data["_admin"]; ok {
		t.Errorf("data shows _admin: %v", r.Data)
	}
	// Only other nodes get _admin: a local FetchSockets has the value set.
	local, err := io.Of("/chat").FetchSockets(t.Context())
	if err != nil || len(local) != 1 || len(local[0].Data.(map[string]any)) != 1 {
		t.Errorf("local FetchSockets: %+v %v", local, err)
	}

	// A new socket: its own room, then socket_connected; its events in and
	// out; its rooms; its disconnection.
	second := dial(t, url, "/chat", &client.Options{Transports: []string{"polling"}})
	var nsp, room, id, when string
	args(t, u.next(t, "room_joined"), &nsp, &room, &id, &when)
	if nsp != "/chat" || room != second.ID() || id != second.ID() {
		t.Errorf("room_joined %s %s %s", nsp, room, id)
	}
	if _, err := time.Parse(time.RFC3339, when); err != nil {
		t.Errorf("room_joined time %q: %v", when, err)
	}
	var conn record
	args(t, u.next(t, "socket_connected"), &conn, &when)
	if conn.ID != second.ID() || conn.Transport != "polling" {
		t.Errorf("socket_connected %+v", conn)
	}

	_ = second.Emit("hello", 41)
	var ev []any
	args(t, u.next(t, "event_received"), &nsp, &id, &ev)
	if id != second.ID() || !slices.Equal(ev, []any{"hello", 41.0}) {
		t.Errorf("event_received %s %v", id, ev)
	}
	args(t, u.next(t, "event_sent"), &nsp, &id, &ev)
	if id != second.ID() || !slices.Equal(ev, []any{"welcome", 42.0}) {
		t.Errorf("event_sent %s %v", id, ev)
	}

	io.Of("/chat").In(second.ID()).SocketsJoin("vip")
	args(t, u.next(t, "room_joined"), &nsp, &room, &id)
	if room != "vip" || id != second.ID() {
		t.Errorf("room_joined %s %s", room, id)
	}
	io.Of("/chat").In(second.ID()).SocketsLeave("vip")
	args(t, u.next(t, "room_left"), &nsp, &room, &id)
	if room != "vip" || id != second.ID() {
		t.Errorf("room_left %s %s", room, id)
	}

	secondID := second.ID()
	_ = second.Close()
	var reason string
	args(t, u.next(t, "socket_disconnected"), &nsp, &id, &reason)
	if nsp != "/chat" || id != secondID || reason != "client namespace disconnect" {
		t.Errorf("socket_disconnected %s %s %s", nsp, id, reason)
	}
}

func TestUpgradeUpdatesTransport(t *testing.T) {
	t.Parallel()
	_, url := startAdmin(t, &admin.Options{NoAuth: true})
	u, err := dialUI(t, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	// A raw client, so that the upgrade comes after the socket connected.
	c := eiotest.DialSIO(t, url, eiotest.Options{Path: "/socket.io/"})
	p, err := c.Connect("/", nil)
	if err != nil || p.Type != parser.Connect {
		t.Fatalf("connect: %v %v", p, err)
	}
	onRoot := func(b json.RawMessage) bool {
		var v []json.RawMessage
		var r struct{ Nsp string }
		return json.Unmarshal(b, &v) == nil && json.Unmarshal(v[0], &r) == nil && r.Nsp == "/"
	}
	var conn record
	args(t, u.until(t, "socket_connected", onRoot), &conn)
	if conn.Transport != "polling" {
		t.Errorf("socket_connected transport %q", conn.Transport)
	}
	c.Upgrade(t)
	var upd struct{ ID, Nsp, Transport string }
	args(t, u.until(t, "socket_updated", onRoot), &upd)
	if upd.ID != conn.ID || upd.Nsp != "/" || upd.Transport != "websocket" {
		t.Errorf("socket_updated %+v, want %s on websocket", upd, conn.ID)
	}
}

// The UI's operations, at the protocol level (the 0.5.1 UI has no emit
// control): each reaches the sockets it names.
func TestOperations(t *testing.T) {
	t.Parallel()
	io, url := startAdmin(t, &admin.Options{NoAuth: true})
	io.Of("/chat")
	a := dial(t, url, "/chat", nil)
	b := dial(t, url, "/chat", nil)
	got := make(chan string, 8)
	for _, s := range []*client.Socket{a, b} {
		s.On("news", func(args client.Args) {
			vals, _ := args.Forward()
			j, _ := json.Marshal(vals)
			got <- s.ID() + " " + string(j)
		})
	}
	u, err := dialUI(t, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	u.next(t, "config")

	// emit(nsp, filter, event, ...args): to a's room only, then to all.
	_ = u.s.Emit("emit", "/chat", a.ID(), "news", 1, map[string]any{"x": "y"})
	if g := <-got; g != a.ID()+` [1,{"x":"y"}]` {
		t.Errorf("emit to a: %s", g)
	}
	_ = u.s.Emit("emit", "/chat", nil, "news", "all")
	seen := []string{recvString(t, got), recvString(t, got)}
	slices.Sort(seen)
	want := []string{a.ID() + ` ["all"]`, b.ID() + ` ["all"]`}
	slices.Sort(want)
	if !slices.Equal(seen, want) {
		t.Errorf("emit to all: %v", seen)
	}

	// join and leave with a filter, then _disconnect a alone.
	_ = u.s.Emit("join", "/chat", "vip", b.ID())
	until(t, "b in vip", func() bool { return inRoom(io, b.ID(), "vip") })
	_ = u.s.Emit("leave", "/chat", "vip", b.ID())
	until(t, "b out of vip", func() bool { return !inRoom(io, b.ID(), "vip") })
	_ = u.s.Emit("_disconnect", "/chat", false, a.ID())
	until(t, "a disconnected", func() bool { return io.Of("/chat").Socket(a.ID()) == nil })
	if io.Of("/chat").Socket(b.ID()) == nil {
		t.Error("b was disconnected too")
	}
}

func recvString(t testing.TB, ch <-chan string) string {
	t.Helper()
	select {
	case s := <-ch:
		return s
	case <-time.After(wait):
		t.Fatal("nothing received")
		return ""
	}
}

func inRoom(io *socketio.Server, id, room string) bool {
	s := io.Of("/chat").Socket(id)
	return s != nil && s.InRoom(room)
}
