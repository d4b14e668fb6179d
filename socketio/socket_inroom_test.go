package socketio_test

import (
	"strconv"
	"testing"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/socketio"
)

// plainAdapter hides the RoomChecker of the memory adapter, as an adapter
// written elsewhere may lack it.
type plainAdapter struct{ adapter.Adapter }

// TestSocketInRoom: InRoom follows Join and Leave, counts the socket's own
// id as a room, is false once the socket left, and gives the same answers
// with an adapter that cannot look a room up (through Rooms).
func TestSocketInRoom(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"memory", "without RoomChecker"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var opts *socketio.Options
			if name != "memory" {
				opts = &socketio.Options{Adapter: func(ns adapter.Namespace) adapter.Adapter {
					return plainAdapter{adapter.NewMemory(ns)}
				}}
			}
			io, url := newServer(t, opts)
			c, sid := connect(t, url, "websocket", "/")
			s := socketOf(t, io, "/", sid)
			check := func(step, room string, want bool) {
				t.Helper()
				if got := s.InRoom(room); got != want {
					t.Errorf("%s: InRoom(%q) = %v, want %v", step, room, got, want)
				}
			}
			check("new socket", sid, true)
			check("new socket", "a", false)
			s.Join("a", "b")
			check("after Join", "a", true)
			check("after Join", "c", false)
			s.Leave("a")
			check("after Leave", "a", false)
			check("after Leave", "b", true)
			send(t, c, "1")
			eventually(t, "the socket to leave", func() bool { return io.Of("/").Socket(sid) == nil })
			check("after disconnect", "b", false)
			check("after disconnect", sid, false)
		})
	}
}

// BenchmarkSocketRoomCheck compares InRoom with a search of Rooms for a
// socket in 100,000 rooms.
func BenchmarkSocketRoomCheck(b *testing.B) {
	io, url := newServer(b, nil)
	_, sid := connect(b, url, "websocket", "/")
	s := socketOf(b, io, "/", sid)
	rooms := make([]string, 100000)
	for i := range rooms {
		rooms[i] = "room-" + strconv.Itoa(i)
	}
	s.Join(rooms...)
	b.Run("InRoom", func(b *testing.B) {
		for b.Loop() {
			if !s.InRoom("room-99999") {
				b.Fatal("not in its room")
			}
		}
	})
	b.Run("Rooms", func(b *testing.B) {
		for b.Loop() {
			if len(s.Rooms()) != 100001 {
				b.Fatal("rooms missing")
			}
		}
	})
}
