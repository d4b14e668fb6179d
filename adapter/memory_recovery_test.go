package adapter

import (
	"context"
	"testing"
	"time"

	"github.com/duplexio/duplex/parser"
)

// nopNamespace delivers nowhere: these tests look at the store only.
type nopNamespace struct{}

func (nopNamespace) Name() string                                       { return "/" }
func (nopNamespace) Deliver(*parser.Packet, BroadcastFlags, []SocketID) {}
func (nopNamespace) DeliverWithAck(*parser.Packet, BroadcastFlags, []SocketID, func(*parser.Packet)) {
}
func (nopNamespace) Disconnect([]SocketID, bool)      {}
func (nopNamespace) Info(SocketID) (SocketInfo, bool) { return SocketInfo{}, false }

func TestSessionMemoryStore(t *testing.T) {
	t.Parallel()
	clock := time.Unix(1000, 0)
	m := NewSessionMemory(time.Minute)(nopNamespace{}).(*SessionMemory)
	m.now = func() time.Time { return clock }
	ev := func(data string) *parser.Packet {
		return &parser.Packet{Type: parser.Event, Namespace: "/", Data: []byte(data)}
	}
	m.Broadcast(ev(`["a"]`), &BroadcastOptions{})                                                                     // 1
	m.Broadcast(&parser.Packet{Type: parser.Event, Data: []byte(`["ack"]`), ID: 3, HasID: true}, &BroadcastOptions{}) // not kept
	m.Broadcast(ev(`["v"]`), &BroadcastOptions{Flags: BroadcastFlags{Volatile: true}})                                // not kept
	m.Broadcast(&parser.Packet{Type: parser.Connect, Data: []byte(`{}`)}, &BroadcastOptions{})                        // not kept
	m.PersistSession(&Session{SID: "s", PID: "p", Rooms: []Room{"s", "r"}, Data: 1})
	m.Broadcast(ev(`["b", 1]`), &BroadcastOptions{Rooms: []Room{"r"}})          // 2
	m.Broadcast(ev(`["c"]`), &BroadcastOptions{Rooms: []Room{"x"}})             // 3: other room
	m.Broadcast(ev(`["d"]`), &BroadcastOptions{Except: []Room{"r"}})            // 4: excluded
	m.Broadcast(ev(`["e",{"_placeholder":true,"num":0}]`), &BroadcastOptions{}) // 5

	if s, _, _ := m.RestoreSession(context.Background(), "p", "9"); s != nil {
		t.Errorf("restored with an offset never given")
	}
	s, missed, err := m.RestoreSession(context.Background(), "p", "1")
	if err != nil || s == nil || s.SID != "s" {
		t.Fatalf("RestoreSession = %v, %v", s, err)
	}
	var got []string
	for _, p := range missed {
		got = append(got, string(p.Data))
	}
	want := []string{`["b", 1,"2"]`, `["e",{"_placeholder":true,"num":0},"5"]`}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("missed %q, want %q", got, want)
	}
	if s, _, _ := m.RestoreSession(context.Background(), "p", "1"); s != nil {
		t.Errorf("a session was restored twice")
	}

	m.PersistSession(&Session{SID: "s", PID: "p"})
	clock = clock.Add(time.Minute + time.Second)
	if s, _, _ := m.RestoreSession(context.Background(), "p", "5"); s != nil {
		t.Errorf("restored an expired session")
	}
	if len(m.packets) != 0 || len(m.sessions) != 0 || len(m.order) != 0 {
		t.Errorf("kept %d packets, %d sessions, %d refs after expiry", len(m.packets), len(m.sessions), len(m.order))
	}
}

// TestSessionMemoryCatchUp: after a restore, Missed gives what was kept
// since an offset for the session's rooms, and offsets compare as numbers
// (base 36: "a" after "9").
func TestSessionMemoryCatchUp(t *testing.T) {
	t.Parallel()
	m := NewSessionMemory(time.Minute)(nopNamespace{}).(*SessionMemory)
	ev := &parser.Packet{Type: parser.Event, Namespace: "/", Data: []byte(`["m"]`)}
	for i := 0; i < 11; i++ {
		rooms := []Room{"r"}
		if i == 10 {
			rooms = []Room{"x"}
		}
		m.Broadcast(ev, &BroadcastOptions{Rooms: rooms}) // offsets 1..9, a, b
	}
	s := &Session{SID: "s", PID: "p", Rooms: []Room{"s", "r"}}
	got, err := m.Missed(context.Background(), s, "8")
	if err != nil || len(got) != 2 || string(got[0].Data) != `["m","9"]` || string(got[1].Data) != `["m","a"]` {
		t.Errorf("Missed after 8 = %v, %v", got, err)
	}
	if got, _ := m.Missed(context.Background(), s, "z"); got != nil {
		t.Errorf("Missed after an offset never given = %v", got)
	}
	if !m.OffsetAfter("a", "9") || m.OffsetAfter("9", "9") || m.OffsetAfter("x-1", "0") {
		t.Error("OffsetAfter compares offsets as base-36 numbers")
	}
}
