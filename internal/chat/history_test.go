package chat

import (
	"fmt"
	"slices"
	"testing"
)

func TestHistoryRing(t *testing.T) {
	t.Parallel()
	h := newHistory(3, 10)
	if got := h.get("r"); got == nil || len(got) != 0 {
		t.Fatalf("empty room: %v, want []", got)
	}
	for i := range 7 {
		h.add("r", Message{ID: fmt.Sprint(i)})
		var ids []string
		for _, m := range h.get("r") {
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

func TestHistoryEvictsIdlestRoom(t *testing.T) {
	t.Parallel()
	h := newHistory(2, 3)
	h.add("a", Message{ID: "1"})
	h.add("b", Message{ID: "2"})
	h.add("c", Message{ID: "3"})
	h.get("a") // a was used last but one: b is now the idlest
	h.add("d", Message{ID: "4"})
	got := h.names()
	slices.Sort(got)
	if want := []string{"a", "c", "d"}; !slices.Equal(got, want) {
		t.Errorf("rooms %v, want %v", got, want)
	}
}
