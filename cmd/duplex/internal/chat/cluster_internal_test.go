package chat

import (
	"testing"

	"github.com/duplexio/duplex/socketio"
)

// TestUserOf covers the two forms of a fetched socket's Data: the User of
// a local socket, the decoded JSON of a remote one.
func TestUserOf(t *testing.T) {
	for _, tc := range []struct {
		name string
		id   string
		data any
		want User
		ok   bool
	}{
		{"local", "a", User{ID: "a", Name: "alice"}, User{ID: "a", Name: "alice"}, true},
		{"local pointer", "a", &User{ID: "a", Name: "alice"}, User{ID: "a", Name: "alice"}, true},
		{"remote", "b", map[string]any{"id": "b", "name": "bob"}, User{ID: "b", Name: "bob"}, true},
		{"remote, other id", "b", map[string]any{"id": "c", "name": "bob"}, User{}, false},
		{"remote, no name", "b", map[string]any{"id": "b"}, User{}, false},
		{"remote, name no string", "b", map[string]any{"id": "b", "name": 3.0}, User{}, false},
		{"nil", "c", nil, User{}, false},
		{"nil pointer", "c", (*User)(nil), User{}, false},
		{"other", "c", "carol", User{}, false},
	} {
		got, ok := userOf(&socketio.RemoteSocket{ID: tc.id, Data: tc.data})
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: userOf = %v, %v; want %v, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}
