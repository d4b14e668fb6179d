package chat

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/duplexio/duplex/socketio"
)

// TestUserOf covers the Data of another node's socket: the User's JSON
// decoded into a map, valid only from a socket in the user's room.
func TestUserOf(t *testing.T) {
	userRoom := []string{"sid", UserRoomPrefix + "b"}
	for _, tc := range []struct {
		name  string
		rooms []string
		data  any
		want  User
		ok    bool
	}{
		{"remote", userRoom, map[string]any{"id": "b", "name": "bob"}, User{ID: "b", Name: "bob"}, true},
		{"not in its user room", []string{"sid"}, map[string]any{"id": "b", "name": "bob"}, User{}, false},
		{"in another's user room", userRoom, map[string]any{"id": "c", "name": "bob"}, User{}, false},
		{"no name", userRoom, map[string]any{"id": "b"}, User{}, false},
		{"name no string", userRoom, map[string]any{"id": "b", "name": 3.0}, User{}, false},
		{"nil", userRoom, nil, User{}, false},
		{"a Go value", userRoom, User{ID: "b", Name: "bob"}, User{}, false},
		{"other", userRoom, "carol", User{}, false},
	} {
		got, ok := userOf(&socketio.RemoteSocket{ID: "sid", Rooms: tc.rooms, Data: tc.data})
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: userOf = %v, %v; want %v, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

// TestMemorySessions: sessions expire after their time to live, renewed by
// each save, and past the byte bound the least recently saved go first.
func TestMemorySessions(t *testing.T) {
	now := time.Unix(1000, 0)
	clock := func() time.Time { return now }
	ctx := context.Background()
	one := &session{ID: "u1", Name: "alice", Rooms: []string{"lounge"}}
	m := newMemorySessions(time.Minute, 3*one.size(), clock)
	for i := range 4 {
		if err := m.save(ctx, fmt.Sprint(i), one); err != nil {
			t.Fatal(err)
		}
	}
	if s, _ := m.load(ctx, "0"); s != nil {
		t.Error("the least recently saved session outlived the byte bound")
	}
	if s, _ := m.load(ctx, "3"); s == nil || s.Name != "alice" || !slices.Equal(s.Rooms, []string{"lounge"}) {
		t.Errorf("load = %+v", s)
	}
	if m.bytes > 3*one.size() {
		t.Errorf("%d bytes kept, over %d", m.bytes, 3*one.size())
	}
	now = now.Add(50 * time.Second)
	_ = m.save(ctx, "3", one)
	now = now.Add(50 * time.Second)
	if s, _ := m.load(ctx, "2"); s != nil {
		t.Error("a session outlived its time to live")
	}
	if s, _ := m.load(ctx, "3"); s == nil {
		t.Error("a save did not renew the time to live")
	}
	_ = m.remove(ctx, "3")
	if s, _ := m.load(ctx, "1"); s != nil {
		t.Error("an expired session was loaded")
	}
	if s, _ := m.load(ctx, "3"); s != nil || m.bytes != 0 {
		t.Errorf("after remove: %+v, %d bytes", s, m.bytes)
	}
}

func TestTokenHash(t *testing.T) {
	tok := newToken()
	if tokenHash(tok) == "" || tokenHash(tok) == tokenHash(newToken()) {
		t.Error("a token has no hash, or two tokens share one")
	}
	for _, bad := range []string{"", "short", tok[1:], tok[:42] + "!"} {
		if tokenHash(bad) != "" {
			t.Errorf("tokenHash(%q) is not empty", bad)
		}
	}
}
