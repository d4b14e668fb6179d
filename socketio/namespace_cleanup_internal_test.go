package socketio

import (
	"encoding/json"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/duplexio/duplex/adapter"
)

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// childrenHeap returns how much the heap grew after n children were
// created by one parent and emptied.
func childrenHeap(t *testing.T, n int, cleanup bool) (grew int64, io *Server) {
	io = NewServer(&Options{CleanupEmptyChildNamespaces: cleanup})
	io.OfFunc(func(string, json.RawMessage) bool { return true })
	before := heapInUse()
	for i := range n {
		ns, ok := io.lookup("/room-"+strconv.Itoa(i), nil)
		if !ok {
			t.Fatal("lookup refused")
		}
		ns.release()
	}
	return int64(heapInUse()) - int64(before), io
}

// TestCleanupHeap: with CleanupEmptyChildNamespaces, 20,000 children
// emptied leave nothing behind; without, they are kept (as in Node).
// Not parallel: it measures the heap.
func TestCleanupHeap(t *testing.T) {
	const n = 20000
	kept, io := childrenHeap(t, n, false)
	if got := len(io.Namespaces()); got != n+1 {
		t.Errorf("without cleanup: %d namespaces, want %d", got, n+1)
	}
	_ = io.Close()
	grew, io := childrenHeap(t, n, true)
	t.Logf("heap after %d children emptied: %+.1f MiB kept without cleanup, %+.2f MiB with", n,
		float64(kept)/(1<<20), float64(grew)/(1<<20))
	if got := io.Namespaces(); len(got) != 1 {
		t.Errorf("with cleanup: namespaces %d, want only /", len(got))
	}
	if grew > 2<<20 {
		t.Errorf("with cleanup the heap grew %d bytes after %d children emptied", grew, n)
	}
	_ = io.Close()
}

// TestCleanupConcurrentJoins: sockets joining and leaving the same child
// from many goroutines always get a live namespace, and when all left no
// child remains and each namespace created had its adapter closed once.
func TestCleanupConcurrentJoins(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	adapters := map[*Namespace]*closeCount{}
	io := NewServer(&Options{CleanupEmptyChildNamespaces: true, Adapter: func(ns adapter.Namespace) adapter.Adapter {
		a := &closeCount{Adapter: adapter.NewMemory(ns)}
		mu.Lock()
		adapters[ns.(adapterHandle).ns] = a
		mu.Unlock()
		return a
	}})
	t.Cleanup(func() { _ = io.Close() })
	parent := io.OfFunc(func(string, json.RawMessage) bool { return true })
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 2000 {
				ns, ok := io.lookup("/busy", nil)
				if !ok || ns.isRemoved() {
					t.Error("lookup returned no namespace or a removed one")
					return
				}
				ns.release()
			}
		})
	}
	wg.Wait()
	if got := len(parent.Children()); got != 0 {
		t.Errorf("%d children left", got)
	}
	mu.Lock()
	defer mu.Unlock()
	for ns, a := range adapters {
		if ns.name == "/busy" && a.closed.Load() != 1 {
			t.Errorf("an adapter of /busy closed %d times", a.closed.Load())
		}
	}
}

type closeCount struct {
	adapter.Adapter
	closed atomic.Int32
}

func (c *closeCount) Close() error {
	c.closed.Add(1)
	return c.Adapter.Close()
}
