package adapter

import (
	"slices"
	"testing"
)

// roomNS is a fakeNS that implements RoomObserver.
type roomNS struct {
	fakeNS
	told []string
}

func (r *roomNS) Joined(room Room, id SocketID) { r.told = append(r.told, "+"+id+":"+room) }
func (r *roomNS) Left(room Room, id SocketID)   { r.told = append(r.told, "-"+id+":"+room) }

// A RoomObserver hears of each change once: not of a join to a room the
// socket is in, nor of leaving one it is not in.
func TestMemoryRoomObserver(t *testing.T) {
	t.Parallel()
	ns := &roomNS{}
	m := NewMemory(ns)
	m.AddAll("a", []Room{"a", "r1"})
	m.AddAll("a", []Room{"r1", "r2"})
	m.Del("a", "r3")
	m.Del("a", "r1")
	m.AddSockets(&BroadcastOptions{Rooms: []Room{"r2"}}, []Room{"r4"})
	m.DelAll("a")
	m.DelAll("a")
	want := []string{"+a:a", "+a:r1", "+a:r2", "-a:r1", "+a:r4"}
	if len(ns.told) < 5 || !slices.Equal(ns.told[:5], want) {
		t.Errorf("told %v, want %v then the leaves of a, r2, r4", ns.told, want)
	}
	left := slices.Clone(ns.told[min(5, len(ns.told)):])
	slices.Sort(left)
	if !slices.Equal(left, []string{"-a:a", "-a:r2", "-a:r4"}) || len(ns.told) != 8 {
		t.Errorf("told %v", ns.told)
	}
}

// A plain Namespace is not asked: Memory keeps no observer.
func TestMemoryWithoutRoomObserver(t *testing.T) {
	t.Parallel()
	if m := NewMemory(&fakeNS{}).(*Memory); m.obs != nil {
		t.Error("Memory has an observer for a Namespace without RoomObserver")
	}
}
