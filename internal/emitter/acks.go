package emitter

import "sync"

// Acks holds the acknowledgements a socket waits for, by ack id: W is each
// side's waiter. The zero value is empty and ready; it is safe for
// concurrent use (the answer comes on the read path, the timeout on a
// timer, the end of the connection anywhere).
type Acks[W any] struct {
	mu sync.Mutex
	m  map[uint64]W
}

// Add records w as the waiter for id.
func (t *Acks[W]) Add(id uint64, w W) {
	t.mu.Lock()
	if t.m == nil {
		t.m = map[uint64]W{}
	}
	t.m[id] = w
	t.mu.Unlock()
}

// Take removes and returns the waiter for id; false when there is none
// (an unknown id, or one already answered, failed or timed out).
func (t *Acks[W]) Take(id uint64) (W, bool) {
	t.mu.Lock()
	w, ok := t.m[id]
	if ok {
		delete(t.m, id)
	}
	t.mu.Unlock()
	return w, ok
}

// TakeAll removes and returns every waiter, in no order.
func (t *Acks[W]) TakeAll() []W { return t.TakeIf(nil) }

// TakeIf removes and returns the waiters for which which (called under the
// table's lock) is true, every waiter when which is nil.
func (t *Acks[W]) TakeIf(which func(W) bool) []W {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []W
	if which == nil {
		out = make([]W, 0, len(t.m))
	}
	for id, w := range t.m {
		if which == nil || which(w) {
			out = append(out, w)
			delete(t.m, id)
		}
	}
	return out
}
