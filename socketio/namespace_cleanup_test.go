package socketio_test

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/socketio"
)

// closeCounter is an adapter factory that counts, per namespace name, the
// adapters created and closed.
type closeCounter struct {
	mu      sync.Mutex
	created map[string]int
	closed  map[string]int
}

type countedAdapter struct {
	adapter.Adapter
	name string
	c    *closeCounter
}

func (a *countedAdapter) Close() error {
	a.c.mu.Lock()
	a.c.closed[a.name]++
	a.c.mu.Unlock()
	return a.Adapter.Close()
}

func newCloseCounter() *closeCounter {
	return &closeCounter{created: map[string]int{}, closed: map[string]int{}}
}

func (c *closeCounter) factory(ns adapter.Namespace) adapter.Adapter {
	c.mu.Lock()
	c.created[ns.Name()]++
	c.mu.Unlock()
	return &countedAdapter{Adapter: adapter.NewMemory(ns), name: ns.Name(), c: c}
}

func (c *closeCounter) counts(name string) (created, closed int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.created[name], c.closed[name]
}

func hasNamespace(io *socketio.Server, name string) bool {
	return slices.Contains(io.Namespaces(), name)
}

func childNames(p *socketio.ParentNamespace) []string {
	var names []string
	for _, ns := range p.Children() {
		names = append(names, ns.Name())
	}
	slices.Sort(names)
	return names
}

// TestCleanupEmptyChildNamespaces: with the option, a child namespace is
// removed (adapter closed, gone from the server and its parent) when its
// last socket leaves, and a later connection creates it anew, asking the
// parent's match function again; the sockets of other children are not
// affected.
func TestCleanupEmptyChildNamespaces(t *testing.T) {
	t.Parallel()
	forEachTransport(t, func(t *testing.T, tr string) {
		counter := newCloseCounter()
		io, url := newServer(t, &socketio.Options{CleanupEmptyChildNamespaces: true, Adapter: counter.factory})
		var mu sync.Mutex
		matched := map[string]int{}
		parent := io.OfFunc(func(name string, _ json.RawMessage) bool {
			mu.Lock()
			matched[name]++
			mu.Unlock()
			return strings.HasPrefix(name, "/dyn-")
		})
		joined := make(chan *socketio.Socket, 8)
		parent.OnConnection(func(s *socketio.Socket) {
			s.On("who", func(ack socketio.AckFunc) { ack(s.Namespace().Name()) })
			joined <- s
		})

		c1, c2 := dial(t, url, tr), dial(t, url, tr)
		join(t, c1, "/dyn-1", nil)
		first := recv(t, joined, "connection").Namespace()
		join(t, c1, "/dyn-2", nil)
		join(t, c2, "/dyn-2", nil)
		recv(t, joined, "connection")
		recv(t, joined, "connection")

		send(t, c1, "1/dyn-1,")
		send(t, c1, "1/dyn-2,")
		eventually(t, "/dyn-1 removed", func() bool {
			_, closed := counter.counts("/dyn-1")
			return closed == 1 && !hasNamespace(io, "/dyn-1")
		})
		// c1's leave of /dyn-2 is handled apart from its leave of /dyn-1:
		// wait for it too, or the broadcast below may still reach c1.
		eventually(t, "c1 out of /dyn-2", func() bool { return len(io.Of("/dyn-2").Sockets()) == 1 })
		if got := childNames(parent); !slices.Equal(got, []string{"/dyn-2"}) {
			t.Errorf("Children() = %v, want [/dyn-2]", got)
		}

		// /dyn-2 keeps its other socket, which still works.
		if !hasNamespace(io, "/dyn-2") {
			t.Fatal("/dyn-2 removed while a socket is in it")
		}
		if err := parent.Emit("news", 1); err != nil {
			t.Fatal(err)
		}
		expectEvent(t, c2, "news", `2/dyn-2,["news",1]`)
		emitAck(t, c2, "/dyn-2", 1, "who")
		expect(t, c2, `3/dyn-2,1["/dyn-2"]`)

		// Joining again creates a new namespace, matched again, whose
		// connection handlers are the parent's.
		join(t, c1, "/dyn-1", nil)
		if again := recv(t, joined, "connection").Namespace(); again == first {
			t.Error("the removed namespace was reused")
		}
		emitAck(t, c1, "/dyn-1", 2, "who")
		expect(t, c1, `3/dyn-1,2["/dyn-1"]`)
		if created, closed := counter.counts("/dyn-1"); created != 2 || closed != 1 {
			t.Errorf("/dyn-1 adapters created %d, closed %d; want 2, 1", created, closed)
		}
		mu.Lock()
		if matched["/dyn-1"] != 2 {
			t.Errorf("match called %d times for /dyn-1, want 2", matched["/dyn-1"])
		}
		mu.Unlock()
		expectNothing(t, c1)
	})
}

// TestCleanupRefusedChild: a child created for a connection its middleware
// refuses is removed at once, as Node does: clients cannot pile up empty
// namespaces by being refused.
func TestCleanupRefusedChild(t *testing.T) {
	t.Parallel()
	counter := newCloseCounter()
	io, url := newServer(t, &socketio.Options{CleanupEmptyChildNamespaces: true, Adapter: counter.factory})
	parent := io.OfFunc(func(name string, _ json.RawMessage) bool { return true })
	parent.Use(func(s *socketio.Socket) error { return &socketio.ConnectError{Message: "no"} })
	c := dial(t, url, "websocket")
	for i := range 3 {
		p, err := c.Connect("/refused", nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := wire(p); got != `4/refused,{"message":"no"}` {
			t.Fatalf("attempt %d: %s", i, got)
		}
	}
	eventually(t, "/refused removed", func() bool {
		created, closed := counter.counts("/refused")
		return created == 3 && closed == 3 && !hasNamespace(io, "/refused")
	})
	if got := childNames(parent); len(got) != 0 {
		t.Errorf("Children() = %v, want none", got)
	}
}

// TestCleanupOffKeepsChildren: without the option (Node's default) an
// empty child stays, with its connection handlers and what was registered
// on it through Of.
func TestCleanupOffKeepsChildren(t *testing.T) {
	t.Parallel()
	io, url := newServer(t, nil)
	parent := io.OfFunc(func(name string, _ json.RawMessage) bool { return true })
	c := dial(t, url, "websocket")
	join(t, c, "/kept", nil)
	io.Of("/kept").OnConnection(func(s *socketio.Socket) {
		s.On("who", func(ack socketio.AckFunc) { ack(s.Namespace().Name()) })
	})
	send(t, c, "1/kept,")
	expectNothing(t, c)
	if !hasNamespace(io, "/kept") || !slices.Equal(childNames(parent), []string{"/kept"}) {
		t.Fatalf("the empty child was removed: %v", io.Namespaces())
	}
	join(t, c, "/kept", nil)
	emitAck(t, c, "/kept", 1, "who")
	expect(t, c, `3/kept,1["/kept"]`)
}
