package adapter

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/duplexio/duplex/internal/eiotest"
	"github.com/duplexio/duplex/parser"
)

func TestMain(m *testing.M) { eiotest.CheckLeaks(m) }

// fakeNS is a Namespace that records the calls it gets. The id slices are
// copied: the adapter reuses them once the call returns.
type fakeNS struct {
	mu    sync.Mutex
	calls []call
	info  map[SocketID]SocketInfo
}

type call struct {
	method string
	p      *parser.Packet
	flags  BroadcastFlags
	ids    []SocketID // sorted
	close  bool
	onAck  bool // an ack callback was given
}

var _ Namespace = (*fakeNS)(nil)

func (f *fakeNS) Name() string { return "/test" }

func (f *fakeNS) record(c call) {
	c.ids = slices.Clone(c.ids)
	slices.Sort(c.ids)
	f.mu.Lock()
	f.calls = append(f.calls, c)
	f.mu.Unlock()
}

func (f *fakeNS) Deliver(p *parser.Packet, flags BroadcastFlags, ids []SocketID) {
	f.record(call{method: "Deliver", p: p, flags: flags, ids: ids})
}

func (f *fakeNS) DeliverWithAck(p *parser.Packet, flags BroadcastFlags, ids []SocketID, onAck func(*parser.Packet)) {
	f.record(call{method: "DeliverWithAck", p: p, flags: flags, ids: ids, onAck: onAck != nil})
	for range ids {
		onAck(&parser.Packet{Type: parser.Ack, ID: p.ID, HasID: true, Data: json.RawMessage(`[]`)})
	}
}

func (f *fakeNS) Disconnect(ids []SocketID, close bool) {
	f.record(call{method: "Disconnect", ids: ids, close: close})
}

func (f *fakeNS) Info(id SocketID) (SocketInfo, bool) {
	info, ok := f.info[id]
	return info, ok
}

func (f *fakeNS) takeCalls() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.calls
	f.calls = nil
	return c
}

// newTestMemory returns an adapter where s1..s4 are in their own room and
//
//	a: s1 s2    b: s1 s3    c: s3
func newTestMemory(t testing.TB) (*Memory, *fakeNS) {
	t.Helper()
	ns := &fakeNS{info: map[SocketID]SocketInfo{}}
	m := NewMemory(ns).(*Memory)
	for id, rooms := range map[SocketID][]Room{
		"s1": {"s1", "a", "b"},
		"s2": {"s2", "a"},
		"s3": {"s3", "b", "c"},
		"s4": {"s4"},
	} {
		m.AddAll(id, rooms)
		ns.info[id] = SocketInfo{ID: id, Rooms: rooms}
	}
	checkMirror(t, m)
	return m, ns
}

// checkMirror checks that the two maps describe the same membership and
// that no room is empty.
func checkMirror(t testing.TB, m *Memory) {
	t.Helper()
	m.mu.RLock()
	defer m.mu.RUnlock()
	for room, members := range m.rooms {
		if members.len() == 0 {
			t.Errorf("room %q kept with no members", room)
		}
		for id := range members.all() {
			if mine := m.sids[id]; !mine.has(room) {
				t.Errorf("rooms[%q] has %q, sids[%q] lacks the room", room, id, id)
			}
		}
	}
	for id, rooms := range m.sids {
		for room := range rooms.all() {
			if members := m.rooms[room]; !members.has(id) {
				t.Errorf("sids[%q] has %q, rooms[%q] lacks the socket", id, room, room)
			}
		}
	}
}

func sorted(ids []SocketID) []SocketID {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	return ids
}

func TestMembership(t *testing.T) {
	t.Parallel()
	m, _ := newTestMemory(t)
	steps := []struct {
		name  string
		do    func()
		rooms []Room
		s1    []Room // SocketRooms("s1")
	}{
		{"initial", func() {}, []Room{"a", "b", "c", "s1", "s2", "s3", "s4"}, []Room{"a", "b", "s1"}},
		{"add existing", func() { m.AddAll("s1", []Room{"a", "a"}) }, []Room{"a", "b", "c", "s1", "s2", "s3", "s4"}, []Room{"a", "b", "s1"}},
		{"add new room", func() { m.AddAll("s1", []Room{"z"}) }, []Room{"a", "b", "c", "s1", "s2", "s3", "s4", "z"}, []Room{"a", "b", "s1", "z"}},
		{"leave shared room", func() { m.Del("s1", "a") }, []Room{"a", "b", "c", "s1", "s2", "s3", "s4", "z"}, []Room{"b", "s1", "z"}},
		{"last member leaves", func() { m.Del("s1", "z") }, []Room{"a", "b", "c", "s1", "s2", "s3", "s4"}, []Room{"b", "s1"}},
		{"leave a room not joined", func() { m.Del("s1", "c") }, []Room{"a", "b", "c", "s1", "s2", "s3", "s4"}, []Room{"b", "s1"}},
		{"unknown socket", func() { m.Del("nobody", "a") }, []Room{"a", "b", "c", "s1", "s2", "s3", "s4"}, []Room{"b", "s1"}},
		{"unknown room", func() { m.Del("s1", "nowhere") }, []Room{"a", "b", "c", "s1", "s2", "s3", "s4"}, []Room{"b", "s1"}},
		{"DelAll", func() { m.DelAll("s3") }, []Room{"a", "b", "s1", "s2", "s4"}, []Room{"b", "s1"}},
		{"DelAll unknown", func() { m.DelAll("nobody") }, []Room{"a", "b", "s1", "s2", "s4"}, []Room{"b", "s1"}},
		{"DelAll s1", func() { m.DelAll("s1") }, []Room{"a", "s2", "s4"}, nil},
		{"AddAll no rooms", func() { m.AddAll("s5", nil) }, []Room{"a", "s2", "s4"}, nil},
	}
	for _, st := range steps {
		st.do()
		checkMirror(t, m)
		if got := m.Rooms(); !slices.Equal(got, st.rooms) {
			t.Errorf("%s: Rooms() = %v, want %v", st.name, got, st.rooms)
		}
		if got := m.SocketRooms("s1"); !slices.Equal(got, st.s1) || (got == nil) != (st.s1 == nil) {
			t.Errorf("%s: SocketRooms(s1) = %#v, want %#v", st.name, got, st.s1)
		}
	}
	if got := m.SocketRooms("s5"); got == nil || len(got) != 0 {
		t.Errorf("SocketRooms of a socket in no room = %#v, want empty, not nil", got)
	}
	if got := m.Sockets(nil, &BroadcastOptions{}); !slices.Equal(sorted(got), []SocketID{"s2", "s4", "s5"}) {
		t.Errorf("sockets left: %v", got)
	}
}

func TestSocketRoomsSorted(t *testing.T) {
	t.Parallel()
	m := NewMemory(&fakeNS{}).(*Memory)
	m.AddAll("x", []Room{"zeta", "alpha", "x", "Mid", "beta"})
	want := []Room{"Mid", "alpha", "beta", "x", "zeta"}
	for range 10 { // map order varies from call to call
		if got := m.SocketRooms("x"); !slices.Equal(got, want) {
			t.Fatalf("SocketRooms = %v, want %v", got, want)
		}
	}
	if got := m.SocketRooms("unknown"); got != nil {
		t.Errorf("SocketRooms(unknown) = %#v, want nil", got)
	}
}

func TestSocketInRoom(t *testing.T) {
	t.Parallel()
	m := NewMemory(&fakeNS{}).(*Memory)
	m.AddAll("x", []Room{"x", "a", "b"})
	m.Del("x", "b")
	for room, want := range map[Room]bool{"x": true, "a": true, "b": false, "c": false} {
		if got := m.SocketInRoom("x", room); got != want {
			t.Errorf("SocketInRoom(x, %q) = %v, want %v", room, got, want)
		}
	}
	if m.SocketInRoom("unknown", "a") {
		t.Error("SocketInRoom of an unknown socket = true")
	}
}

var socketsTests = []struct {
	name   string
	rooms  []Room
	except []Room
	want   []SocketID
}{
	{"all", nil, nil, []SocketID{"s1", "s2", "s3", "s4"}},
	{"one room", []Room{"a"}, nil, []SocketID{"s1", "s2"}},
	{"own room", []Room{"s4"}, nil, []SocketID{"s4"}},
	{"two rooms, no duplicates", []Room{"a", "b"}, nil, []SocketID{"s1", "s2", "s3"}},
	{"same room twice", []Room{"a", "a"}, nil, []SocketID{"s1", "s2"}},
	{"unknown room", []Room{"nowhere"}, nil, nil},
	{"unknown and known room", []Room{"nowhere", "c"}, nil, []SocketID{"s3"}},
	{"all except a room", nil, []Room{"a"}, []SocketID{"s3", "s4"}},
	{"all except sockets", nil, []Room{"s1", "s4"}, []SocketID{"s2", "s3"}},
	{"all except unknown", nil, []Room{"nowhere"}, []SocketID{"s1", "s2", "s3", "s4"}},
	{"room except room", []Room{"a"}, []Room{"b"}, []SocketID{"s2"}},
	{"rooms except room", []Room{"a", "b"}, []Room{"c"}, []SocketID{"s1", "s2"}},
	{"rooms except everyone", []Room{"a", "b"}, []Room{"a", "b"}, nil},
	{"room except itself", []Room{"c"}, []Room{"c"}, nil},
}

func TestSockets(t *testing.T) {
	t.Parallel()
	m, _ := newTestMemory(t)
	for _, tt := range socketsTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := m.Sockets(nil, &BroadcastOptions{Rooms: tt.rooms, Except: tt.except})
			if !slices.Equal(sorted(got), tt.want) {
				t.Errorf("Sockets(rooms %v, except %v) = %v, want %v", tt.rooms, tt.except, got, tt.want)
			}
			// The ids are appended to dst.
			got = m.Sockets([]SocketID{"prefix"}, &BroadcastOptions{Rooms: tt.rooms, Except: tt.except})
			if got[0] != "prefix" || !slices.Equal(sorted(got[1:]), tt.want) {
				t.Errorf("with a prefix: %v", got)
			}
		})
	}
}

func TestBroadcast(t *testing.T) {
	t.Parallel()
	for _, tt := range socketsTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, ns := newTestMemory(t)
			p := &parser.Packet{Type: parser.Event, Namespace: "/test", Data: json.RawMessage(`["ev"]`)}
			flags := BroadcastFlags{Volatile: true, Compress: true}
			m.Broadcast(p, &BroadcastOptions{Rooms: tt.rooms, Except: tt.except, Flags: flags})
			calls := ns.takeCalls()
			if len(calls) != 1 {
				t.Fatalf("%d calls, want 1 Deliver", len(calls))
			}
			c := calls[0]
			if c.method != "Deliver" || c.p != p || c.flags != flags || !slices.Equal(c.ids, tt.want) {
				t.Errorf("got %s(%p, %+v, %v), want Deliver(%p, %+v, %v)", c.method, c.p, c.flags, c.ids, p, flags, tt.want)
			}
		})
	}
}

func TestBroadcastWithAck(t *testing.T) {
	t.Parallel()
	for _, tt := range socketsTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, ns := newTestMemory(t)
			p := &parser.Packet{Type: parser.Event, Namespace: "/test", ID: 7, HasID: true, Data: json.RawMessage(`["ev"]`)}
			counts, acks := []int{}, 0
			m.BroadcastWithAck(p, &BroadcastOptions{Rooms: tt.rooms, Except: tt.except}, func(n int) { counts = append(counts, n) }, func(a *parser.Packet) {
				if a.ID != 7 {
					t.Errorf("ack id %d", a.ID)
				}
				acks++
			})
			calls := ns.takeCalls()
			if len(calls) != 1 || calls[0].method != "DeliverWithAck" || calls[0].p != p || !calls[0].onAck || !slices.Equal(calls[0].ids, tt.want) {
				t.Fatalf("calls %+v, want one DeliverWithAck to %v", calls, tt.want)
			}
			if !slices.Equal(counts, []int{len(tt.want)}) {
				t.Errorf("onClientCount called with %v, want [%d]", counts, len(tt.want))
			}
			if acks != len(tt.want) {
				t.Errorf("%d acks passed on, want %d", acks, len(tt.want))
			}
		})
	}
}

func TestFetchSockets(t *testing.T) {
	t.Parallel()
	m, ns := newTestMemory(t)
	m.AddAll("ghost", []Room{"a"}) // in a room but unknown to the namespace
	got, err := m.FetchSockets(context.Background(), &BroadcastOptions{Rooms: []Room{"a"}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []SocketID
	for _, info := range got {
		ids = append(ids, info.ID)
		if want := ns.info[info.ID]; !slices.Equal(info.Rooms, want.Rooms) {
			t.Errorf("%s: rooms %v, want %v", info.ID, info.Rooms, want.Rooms)
		}
	}
	if !slices.Equal(sorted(ids), []SocketID{"s1", "s2"}) {
		t.Errorf("FetchSockets = %v, want s1 s2 (the ghost has no Info)", ids)
	}
	if got, err := m.FetchSockets(context.Background(), &BroadcastOptions{Rooms: []Room{"nowhere"}}); err != nil || len(got) != 0 {
		t.Errorf("FetchSockets of an empty room = %v, %v", got, err)
	}
}

func TestAddSockets(t *testing.T) {
	t.Parallel()
	m, _ := newTestMemory(t)
	m.AddSockets(&BroadcastOptions{Rooms: []Room{"a"}, Except: []Room{"s2"}}, []Room{"x", "y"})
	checkMirror(t, m)
	for id, want := range map[SocketID][]Room{
		"s1": {"a", "b", "s1", "x", "y"},
		"s2": {"a", "s2"},
		"s3": {"b", "c", "s3"},
	} {
		if got := m.SocketRooms(id); !slices.Equal(got, want) {
			t.Errorf("SocketRooms(%s) = %v, want %v", id, got, want)
		}
	}
}

func TestDelSockets(t *testing.T) {
	t.Parallel()
	m, _ := newTestMemory(t)
	m.DelSockets(&BroadcastOptions{Rooms: []Room{"b"}}, []Room{"a", "b"})
	checkMirror(t, m)
	for id, want := range map[SocketID][]Room{
		"s1": {"s1"},
		"s2": {"a", "s2"},
		"s3": {"c", "s3"},
	} {
		if got := m.SocketRooms(id); !slices.Equal(got, want) {
			t.Errorf("SocketRooms(%s) = %v, want %v", id, got, want)
		}
	}
	if got := m.Rooms(); !slices.Equal(got, []Room{"a", "c", "s1", "s2", "s3", "s4"}) {
		t.Errorf("Rooms() = %v (b must be gone)", got)
	}
	// Leaving the room that selects the sockets, for all sockets.
	m.DelSockets(&BroadcastOptions{}, []Room{"a", "c"})
	checkMirror(t, m)
	if got := m.Rooms(); !slices.Equal(got, []Room{"s1", "s2", "s3", "s4"}) {
		t.Errorf("Rooms() = %v", got)
	}
}

func TestDisconnectSockets(t *testing.T) {
	t.Parallel()
	m, ns := newTestMemory(t)
	m.DisconnectSockets(&BroadcastOptions{Rooms: []Room{"b"}, Except: []Room{"c"}}, true)
	m.DisconnectSockets(&BroadcastOptions{}, false)
	calls := ns.takeCalls()
	want := []call{
		{method: "Disconnect", ids: []SocketID{"s1"}, close: true},
		{method: "Disconnect", ids: []SocketID{"s1", "s2", "s3", "s4"}, close: false},
	}
	if len(calls) != len(want) {
		t.Fatalf("calls %+v", calls)
	}
	for i := range want {
		if calls[i].method != want[i].method || calls[i].close != want[i].close || !slices.Equal(calls[i].ids, want[i].ids) {
			t.Errorf("call %d: %+v, want %+v", i, calls[i], want[i])
		}
	}
	// The adapter leaves membership to the namespace, which calls DelAll.
	if got := m.Rooms(); len(got) != 7 {
		t.Errorf("Rooms() = %v", got)
	}
}

// Disconnect may call back into the adapter (DelAll) synchronously, as a
// namespace does when a socket leaves: the adapter must not hold its lock.
func TestDisconnectReentrant(t *testing.T) {
	t.Parallel()
	ns := &reentrantNS{}
	m := NewMemory(ns).(*Memory)
	ns.m = m
	for i := range 100 {
		id := fmt.Sprintf("s%d", i)
		m.AddAll(id, []Room{id, "all"})
	}
	m.DisconnectSockets(&BroadcastOptions{Rooms: []Room{"all"}}, false)
	if got := m.Rooms(); len(got) != 0 {
		t.Errorf("Rooms() = %v after everyone left", got)
	}
	checkMirror(t, m)
}

type reentrantNS struct {
	fakeNS
	m *Memory
}

func (r *reentrantNS) Disconnect(ids []SocketID, _ bool) {
	for _, id := range ids {
		r.m.DelAll(id)
	}
}

func TestSingleNode(t *testing.T) {
	t.Parallel()
	m, _ := newTestMemory(t)
	if n, err := m.ServerCount(context.Background()); n != 1 || err != nil {
		t.Errorf("ServerCount = %d, %v", n, err)
	}
	if r, err := m.ServerSideEmit(context.Background(), &parser.Packet{Type: parser.Event, Data: json.RawMessage(`["x"]`)}, true); r != nil || err != nil {
		t.Errorf("ServerSideEmit = %v, %v", r, err)
	}
	if err := m.Close(); err != nil {
		t.Error(err)
	}
}

// Everything at once from many goroutines; run with -race.
func TestConcurrent(t *testing.T) {
	t.Parallel()
	ns := &fakeNS{info: map[SocketID]SocketInfo{}}
	m := NewMemory(ns).(*Memory)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				id := fmt.Sprintf("g%d-%d", g, i%10)
				room := fmt.Sprintf("r%d", i%5)
				switch i % 8 {
				case 0:
					m.AddAll(id, []Room{id, room, "all"})
				case 1:
					m.Del(id, room)
				case 2:
					m.Broadcast(&parser.Packet{Type: parser.Event}, &BroadcastOptions{Rooms: []Room{room, "all"}, Except: []Room{"r0"}})
				case 3:
					m.BroadcastWithAck(&parser.Packet{Type: parser.Event, HasID: true}, &BroadcastOptions{}, func(int) {}, func(*parser.Packet) {})
				case 4:
					m.AddSockets(&BroadcastOptions{Rooms: []Room{room}}, []Room{"extra"})
				case 5:
					m.DelSockets(&BroadcastOptions{Rooms: []Room{"extra"}}, []Room{"extra"})
				case 6:
					_ = m.SocketRooms(id)
					_ = m.Rooms()
					_, _ = m.FetchSockets(context.Background(), &BroadcastOptions{Except: []Room{room}})
				case 7:
					m.DelAll(id)
				}
			}
		}()
	}
	wg.Wait()
	checkMirror(t, m)
}

func BenchmarkSockets(b *testing.B) {
	m := NewMemory(&fakeNS{}).(*Memory)
	for i := range 1000 {
		id := fmt.Sprintf("socket-%04d", i)
		m.AddAll(id, []Room{id, fmt.Sprintf("room-%d", i%10)})
	}
	cases := []struct {
		name string
		opts BroadcastOptions
	}{
		{"all", BroadcastOptions{}},
		{"one room", BroadcastOptions{Rooms: []Room{"room-3"}}},
		{"three rooms", BroadcastOptions{Rooms: []Room{"room-1", "room-2", "room-3"}}},
		{"all except a room", BroadcastOptions{Except: []Room{"room-0"}}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			dst := make([]SocketID, 0, 1000)
			for b.Loop() {
				dst = m.Sockets(dst[:0], &c.opts)
			}
		})
	}
}

func BenchmarkBroadcast(b *testing.B) {
	m := NewMemory(&discardNS{}).(*Memory)
	for i := range 1000 {
		id := fmt.Sprintf("socket-%04d", i)
		m.AddAll(id, []Room{id, fmt.Sprintf("room-%d", i%10)})
	}
	p := &parser.Packet{Type: parser.Event, Data: json.RawMessage(`["ev"]`)}
	opts := &BroadcastOptions{Rooms: []Room{"room-1", "room-2"}}
	b.ReportAllocs()
	for b.Loop() {
		m.Broadcast(p, opts)
	}
}

type discardNS struct{ fakeNS }

func (*discardNS) Deliver(*parser.Packet, BroadcastFlags, []SocketID) {}
