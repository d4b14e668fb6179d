package chat

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestRoomLogBoundsMessages(t *testing.T) {
	t.Parallel()
	var l roomLog
	if got := l.get(); got == nil || len(got) != 0 {
		t.Fatalf("empty log: %v, want []", got)
	}
	for i := range 7 {
		l.add(Message{ID: fmt.Sprint(i)}, 10, 3, 1<<20)
		var ids []string
		for _, m := range l.get() {
			ids = append(ids, m.ID)
		}
		var want []string
		for j := max(0, i-2); j <= i; j++ {
			want = append(want, fmt.Sprint(j))
		}
		if !slices.Equal(ids, want) {
			t.Fatalf("after %d adds: %v, want %v", i+1, ids, want)
		}
	}
}

func TestRoomLogBoundsBytes(t *testing.T) {
	t.Parallel()
	var l roomLog
	grown := 0
	for i := range 10 {
		m := Message{ID: fmt.Sprint(i), Text: strings.Repeat("x", 100)}
		grown += l.add(m, messageSize(m), 50, 500)
	}
	if l.bytes > 500 || grown != l.bytes {
		t.Errorf("bytes %d (grown %d), want at most 500 and equal", l.bytes, grown)
	}
	if got := l.get(); len(got) == 0 || got[len(got)-1].ID != "9" {
		t.Errorf("log %v: want the latest messages", got)
	}
	if freed := l.clear(); freed != grown || l.bytes != 0 || len(l.get()) != 0 {
		t.Errorf("clear freed %d, want %d, and empty", freed, grown)
	}
}

// TestRoomsEvictionSparesPopulatedRooms: junk rooms with one member and
// one message each, created after a room that people are in, evict each
// other, not that room; before, 1000 junk rooms evicted general in 0.1 s.
func TestRoomsEvictionSparesPopulatedRooms(t *testing.T) {
	t.Parallel()
	o := (&Options{MaxRooms: 100, HistoryBytes: 64 << 10}).withDefaults()
	rs := newRooms(&o, nil)
	general, _ := rs.join("general")
	rs.join("general")
	for i := range 5 {
		rs.record(general, Message{ID: fmt.Sprint(i), Text: "hello"}, func() {})
	}
	for i := range 2000 {
		name := fmt.Sprint("junk", i)
		r, _ := rs.join(name)
		rs.record(r, Message{ID: name, Text: strings.Repeat("j", 500)}, func() {})
	}
	if got := len(general.log.get()); got != 5 {
		t.Errorf("general kept %d messages, want 5", got)
	}
	if rs.logs > o.MaxRooms || rs.history > o.HistoryBytes {
		t.Errorf("%d rooms with %d bytes of history: over the bounds %d, %d", rs.logs, rs.history, o.MaxRooms, o.HistoryBytes)
	}
	t.Logf("%d rooms keep %d bytes of history", rs.logs, rs.history)
}

func TestRoomsForgetsEmptyRooms(t *testing.T) {
	t.Parallel()
	o := (&Options{}).withDefaults()
	rs := newRooms(&o, nil)
	rs.join("a")
	rs.leave("a")
	if rs.get("a") != nil || rs.index.Len() != 0 {
		t.Error("a room with no member and no history is still known")
	}
	r, _ := rs.join("b")
	rs.record(r, Message{ID: "1", Text: "kept"}, func() {})
	rs.leave("b")
	if rs.get("b") == nil {
		t.Error("a room with a history was forgotten when its last member left")
	}
}

func TestRoomsList(t *testing.T) {
	t.Parallel()
	o := (&Options{}).withDefaults()
	rs := newRooms(&o, nil)
	for _, n := range []string{"go", "golang", "gopher", "rust", "go-nuts", "ada"} {
		rs.join(n)
	}
	page, more := rs.list("go", "", 2)
	if !slices.Equal(page, []string{"go", "go-nuts"}) || !more {
		t.Fatalf("first page %v more=%v", page, more)
	}
	page, more = rs.list("go", page[len(page)-1], 2)
	if !slices.Equal(page, []string{"golang", "gopher"}) || more {
		t.Fatalf("second page %v more=%v", page, more)
	}
	if page, more = rs.list("", "", 10); len(page) != 6 || more {
		t.Errorf("all rooms: %v more=%v", page, more)
	}
	r := rs.get("rust")
	rs.record(r, Message{ID: "1", Text: "hi"}, func() {})
	if got, more := rs.recent(2); !slices.Equal(got, []string{"rust", "ada"}) || !more {
		t.Errorf("recent(2) = %v, %v, want the active room first", got, more)
	}
}
