package chat

import (
	"testing"

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
