package socketio

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkLookupChild measures how a CONNECT finds its namespace among n
// dynamic children (all of one OfFunc parent, or one per parent): the
// time must not grow with n, for the first child created or the last.
func BenchmarkLookupChild(b *testing.B) {
	for _, perParent := range []bool{false, true} {
		for _, n := range []int{1, 1000, 20000} {
			io := newBenchServer(b, n, perParent)
			for _, which := range firstAndLast(n) {
				name := "/dyn-" + strconv.Itoa(which)
				b.Run(fmt.Sprintf("parents=%s/children=%d/child=%d", parentsLabel(perParent), n, which), func(b *testing.B) {
					for b.Loop() {
						ns, ok := io.lookup(name, nil)
						if !ok || ns.name != name {
							b.Fatalf("lookup(%q) = %v, %v", name, ns, ok)
						}
						ns.release()

					}
				})
			}
		}
	}
}

func parentsLabel(perParent bool) string {
	if perParent {
		return "one-per-child"
	}
	return "one"
}

// newBenchServer returns a server with n dynamic children created, by one
// parent or by one parent each.
func newBenchServer(b *testing.B, n int, perParent bool) *Server {
	b.Helper()
	io := NewServer(nil)
	b.Cleanup(func() { _ = io.Close() })
	isDyn := func(name string, _ json.RawMessage) bool { return strings.HasPrefix(name, "/dyn-") }
	if !perParent {
		io.OfFunc(isDyn)
	}
	for i := range n {
		name := "/dyn-" + strconv.Itoa(i)
		if perParent {
			io.OfFunc(func(got string, _ json.RawMessage) bool { return got == name })
		}
		ns, ok := io.lookup(name, nil)
		if !ok {
			b.Fatalf("lookup(%q) failed", name)
		}
		ns.release()

	}
	return io
}

// BenchmarkRouteToSocket measures how a packet finds its socket among the
// n namespaces its connection joined (a client may join any number over
// one connection): the time must not grow with n, whichever it joined
// first or last.
func BenchmarkRouteToSocket(b *testing.B) {
	for _, n := range []int{1, 4, 16, 1000, 20000} {
		c := &conn{}
		io := NewServer(nil)
		b.Cleanup(func() { _ = io.Close() })
		for i := range n {
			ns := newNamespace(io, "/dyn-"+strconv.Itoa(i), nil)
			c.sockets.add(newSocket(ns, c, nil))
		}
		for _, which := range firstAndLast(n) {
			name := "/dyn-" + strconv.Itoa(which)
			b.Run(fmt.Sprintf("sockets=%d/nsp=%d", n, which), func(b *testing.B) {
				for b.Loop() {
					c.mu.Lock()
					s := c.socket(name)
					c.mu.Unlock()
					if s == nil || s.ns.name != name {
						b.Fatalf("socket(%q) = %v", name, s)
					}
				}
			})
		}
	}
}

// firstAndLast returns the indexes of the first and last of n.
func firstAndLast(n int) []int {
	if n == 1 {
		return []int{0}
	}
	return []int{0, n - 1}
}
