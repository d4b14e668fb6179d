package emitter

import (
	"slices"
	"sync"
	"testing"
)

func TestAcks(t *testing.T) {
	t.Parallel()
	var a Acks[string]
	if _, ok := a.Take(1); ok {
		t.Fatal("Take on an empty table found a waiter")
	}
	for id, w := range map[uint64]string{1: "a", 2: "b", 3: "c", 4: "d"} {
		a.Add(id, w)
	}
	if w, ok := a.Take(2); !ok || w != "b" {
		t.Errorf("Take(2) = %q, %v", w, ok)
	}
	if _, ok := a.Take(2); ok {
		t.Error("a waiter was taken twice")
	}
	odd := a.TakeIf(func(w string) bool { return w == "a" || w == "c" })
	slices.Sort(odd)
	if !slices.Equal(odd, []string{"a", "c"}) {
		t.Errorf("TakeIf = %v, want [a c]", odd)
	}
	if all := a.TakeAll(); !slices.Equal(all, []string{"d"}) {
		t.Errorf("TakeAll = %v, want [d]", all)
	}
	if all := a.TakeAll(); len(all) != 0 {
		t.Errorf("TakeAll of an empty table = %v", all)
	}
}

// TestAcksConcurrent: each waiter is taken once, whoever races for it
// (go test -race).
func TestAcksConcurrent(t *testing.T) {
	t.Parallel()
	var a Acks[int]
	const n = 1000
	for i := range n {
		a.Add(uint64(i), i)
	}
	var mu sync.Mutex
	taken := map[int]int{}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			var got []int
			if g == 0 {
				got = a.TakeAll()
			} else {
				for i := range n {
					if w, ok := a.Take(uint64(i)); ok {
						got = append(got, w)
					}
				}
			}
			mu.Lock()
			for _, w := range got {
				taken[w]++
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	for i := range n {
		if taken[i] != 1 {
			t.Fatalf("waiter %d taken %d times", i, taken[i])
		}
	}
}
