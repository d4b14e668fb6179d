package adapter

import (
	"strconv"
	"testing"
)

// The adapters built on Memory answer InRoom too.
var (
	_ RoomChecker = (*Cluster)(nil)
	_ RoomChecker = (*SessionMemory)(nil)
)

// TestInRoom: InRoom agrees with SocketRooms through joins and leaves, for
// a socket in a few rooms and one in many (the set turns into a map).
func TestInRoom(t *testing.T) {
	t.Parallel()
	m, _ := newTestMemory(t)
	check := func(step string, id SocketID, room Room, want bool) {
		t.Helper()
		if got := m.InRoom(id, room); got != want {
			t.Errorf("%s: InRoom(%s, %s) = %v, want %v", step, id, room, got, want)
		}
	}
	check("initial", "s1", "s1", true)
	check("initial", "s1", "a", true)
	check("initial", "s1", "c", false)
	check("initial", "nobody", "a", false)
	m.Del("s1", "a")
	check("after Del", "s1", "a", false)
	check("after Del", "s2", "a", true)
	many := make([]Room, 1000)
	for i := range many {
		many[i] = "r" + strconv.Itoa(i)
	}
	m.AddAll("s4", many)
	check("many rooms", "s4", "r999", true)
	check("many rooms", "s4", "r1000", false)
	m.Del("s4", "r999")
	check("many rooms, after Del", "s4", "r999", false)
	m.DelAll("s4")
	check("after DelAll", "s4", "r0", false)
	check("after DelAll", "s4", "s4", false)
}
