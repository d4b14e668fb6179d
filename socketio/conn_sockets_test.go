package socketio

import (
	"strconv"
	"testing"
)

// TestConnSockets checks the socket set of a connection below and past the
// size where it switches from a slice to a map: every socket is found by
// its namespace, removed ones are not, and all returns each once.
func TestConnSockets(t *testing.T) {
	t.Parallel()
	io := NewServer(nil)
	t.Cleanup(func() { _ = io.Close() })
	for _, n := range []int{1, smallSockets, smallSockets + 1, 100} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			var cs connSockets
			socks := make([]*Socket, n)
			for i := range socks {
				socks[i] = newSocket(newNamespace(io, "/n"+strconv.Itoa(i), nil), nil, nil)
				cs.add(socks[i])
			}
			for i := 0; i < n; i += 2 {
				cs.remove(socks[i])
			}
			cs.remove(newSocket(socks[n-1].ns, nil, nil)) // another socket of the same namespace: a no-op
			for i, s := range socks {
				want := s
				if i%2 == 0 {
					want = nil
				}
				if got := cs.get(s.ns.name); got != want {
					t.Errorf("get(%q) = %p, want %p", s.ns.name, got, want)
				}
			}
			if got, want := cs.len(), n/2; got != want {
				t.Errorf("len() = %d, want %d", got, want)
			}
			seen := map[*Socket]bool{}
			for _, s := range cs.all() {
				if seen[s] || cs.get(s.ns.name) != s {
					t.Errorf("all() returned %s twice or a removed socket", s.ns.name)
				}
				seen[s] = true
			}
			if len(seen) != n/2 {
				t.Errorf("all() returned %d sockets, want %d", len(seen), n/2)
			}
		})
	}
}
