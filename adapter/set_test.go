package adapter

import (
	"slices"
	"testing"
)

// TestSet grows a set past its slice form and shrinks it again, checking
// it against a map at every step.
func TestSet(t *testing.T) {
	var s set[int]
	want := map[int]bool{}
	check := func(step string) {
		t.Helper()
		if s.len() != len(want) {
			t.Fatalf("%s: len %d, want %d", step, s.len(), len(want))
		}
		got := slices.Sorted(s.all())
		var w []int
		for v := range want {
			w = append(w, v)
		}
		slices.Sort(w)
		if !slices.Equal(got, w) {
			t.Fatalf("%s: members %v, want %v", step, got, w)
		}
		for v := range 3 * smallSet {
			if s.has(v) != want[v] {
				t.Fatalf("%s: has(%d) = %v", step, v, s.has(v))
			}
		}
	}
	for v := range 2 * smallSet {
		if !s.add(v) {
			t.Fatalf("add(%d) reported not new", v)
		}
		if s.add(v) {
			t.Fatalf("second add(%d) reported new", v)
		}
		want[v] = true
		check("add")
	}
	for v := 0; v < 2*smallSet; v += 2 {
		s.del(v)
		delete(want, v)
		check("del")
	}
	s.del(1000) // absent
	check("del absent")
	for v := range s.all() {
		if v == 5 {
			break // early stop
		}
	}
}
