package socketio_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/duplexio/duplex/socketio"
)

// TestNamespaceMiddleware checks what a refusing middleware puts in the
// CONNECT_ERROR packet, and that a refused socket never connects.
func TestNamespaceMiddleware(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		mw   func(*socketio.Socket) error
		want string // the CONNECT_ERROR data
	}{
		{"ConnectError with data", func(*socketio.Socket) error {
			return &socketio.ConnectError{Message: "not authorized", Data: map[string]any{"code": 42}}
		}, `{"message":"not authorized","data":{"code":42}}`},
		{"ConnectError without data", func(*socketio.Socket) error {
			return &socketio.ConnectError{Message: "nope"}
		}, `{"message":"nope"}`},
		{"ConnectError with zero data", func(*socketio.Socket) error {
			return &socketio.ConnectError{Message: "nope", Data: 0}
		}, `{"message":"nope","data":0}`},
		{"wrapped ConnectError", func(*socketio.Socket) error {
			return fmt.Errorf("auth: %w", &socketio.ConnectError{Message: "expired", Data: "renew"})
		}, `{"message":"expired","data":"renew"}`},
		{"ConnectError with data JSON cannot encode", func(*socketio.Socket) error {
			return &socketio.ConnectError{Message: "nope", Data: make(chan int)}
		}, `{"message":"nope"}`},
		{"plain error", func(*socketio.Socket) error {
			return errors.New("boom")
		}, `{"message":"boom"}`},
		{"panic", func(*socketio.Socket) error {
			panic("middleware bug")
		}, `{"message":"Internal server error"}`},
	}
	for _, tr := range transports {
		for _, tt := range tests {
			t.Run(tr+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				io, url := newServer(t, nil)
				connected := make(chan string, 4)
				for _, nsp := range []string{"/", "/custom"} {
					ns := io.Of(nsp)
					ns.Use(func(s *socketio.Socket) error {
						if string(s.Handshake().Auth) == `{"pass":true}` {
							return nil
						}
						return tt.mw(s)
					})
					ns.Use(func(s *socketio.Socket) error {
						s.SetData("second middleware ran")
						return nil
					})
					ns.OnConnection(func(s *socketio.Socket) { connected <- s.Data().(string) })
				}
				c := dial(t, url, tr)
				for _, nsp := range []string{"/", "/custom"} {
					p, err := c.Connect(nsp, nil)
					if err != nil {
						t.Fatal(err)
					}
					want := "4" + tt.want
					if nsp != "/" {
						want = "4" + nsp + "," + tt.want
					}
					if got := wire(p); got != want {
						t.Errorf("got %s, want %s", got, want)
					}
					if n := len(io.Of(nsp).Sockets()); n != 0 {
						t.Errorf("%d sockets in %s after a refusal", n, nsp)
					}
				}
				none(t, connected, "connection of a refused socket")

				// The connection and the server keep working: the same client
				// may try again, and another client connects.
				join(t, c, "/", map[string]bool{"pass": true})
				if got := recv(t, connected, "connection"); got != "second middleware ran" {
					t.Errorf("Data = %q", got)
				}
				join(t, dial(t, url, tr), "/custom", map[string]bool{"pass": true})
				recv(t, connected, "connection")
			})
		}
	}
}

// TestNamespaceMiddlewareOrder: middleware runs in the order added, and the
// first refusal stops the chain.
func TestNamespaceMiddlewareOrder(t *testing.T) {
	t.Parallel()
	io, url := newServer(t, nil)
	var mu sync.Mutex
	var calls []string
	for i := range 3 {
		io.Use(func(s *socketio.Socket) error {
			mu.Lock()
			calls = append(calls, fmt.Sprint(i))
			mu.Unlock()
			if i == 1 {
				return errors.New("refused by 1")
			}
			return nil
		})
	}
	c := dial(t, url, "websocket")
	p, err := c.Connect("/", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := wire(p); got != `4{"message":"refused by 1"}` {
		t.Errorf("got %s", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(calls, []string{"0", "1"}) {
		t.Errorf("middleware calls %v, want [0 1]", calls)
	}
}

// TestDynamicNamespaces: OfFunc creates the namespaces its function
// accepts; the parent's middleware and connection handlers apply to each,
// before the child's own.
func TestDynamicNamespaces(t *testing.T) {
	t.Parallel()
	forEachTransport(t, func(t *testing.T, tr string) {
		io, url := newServer(t, nil)
		var matched []string
		var mu sync.Mutex
		parent := io.OfFunc(func(name string, auth json.RawMessage) bool {
			mu.Lock()
			matched = append(matched, name+" "+string(auth))
			mu.Unlock()
			return strings.HasPrefix(name, "/dyn-")
		})
		parent.Use(func(s *socketio.Socket) error {
			if string(s.Handshake().Auth) == `{"deny":true}` {
				return &socketio.ConnectError{Message: "denied", Data: s.Namespace().Name()}
			}
			s.SetData([]string{"parent"})
			return nil
		})
		parent.OnConnection(func(s *socketio.Socket) {
			s.On("whoami", func(ack socketio.AckFunc) { ack(s.Namespace().Name(), s.Data()) })
		})

		c := dial(t, url, tr)
		p, err := c.Connect("/static", nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := wire(p); got != `4/static,{"message":"Invalid namespace"}` {
			t.Errorf("unmatched namespace: %s", got)
		}
		p, err = c.Connect("/dyn-2", map[string]bool{"deny": true})
		if err != nil {
			t.Fatal(err)
		}
		if got := wire(p); got != `4/dyn-2,{"message":"denied","data":"/dyn-2"}` {
			t.Errorf("parent middleware refusal: %s", got)
		}

		join(t, c, "/dyn-1", map[string]int{"n": 1})
		child := io.Of("/dyn-1")
		child.Use(func(s *socketio.Socket) error { // runs after the parent's
			s.SetData(append(s.Data().([]string), "child"))
			return nil
		})
		emitAck(t, c, "/dyn-1", 5, "whoami")
		expect(t, c, `3/dyn-1,5["/dyn-1",["parent"]]`)

		c2 := dial(t, url, tr)
		join(t, c2, "/dyn-1", nil)
		emitAck(t, c2, "/dyn-1", 6, "whoami")
		expect(t, c2, `3/dyn-1,6["/dyn-1",["parent","child"]]`)

		var names []string
		for _, ns := range parent.Children() {
			names = append(names, ns.Name())
		}
		slices.Sort(names)
		if !slices.Equal(names, []string{"/dyn-1", "/dyn-2"}) {
			t.Errorf("Children() = %v", names)
		}
		mu.Lock()
		if want := []string{"/static ", `/dyn-2 {"deny":true}`, `/dyn-1 {"n":1}`}; !slices.Equal(matched, want) {
			t.Errorf("match calls %q, want %q (an existing child is not matched again)", matched, want)
		}
		mu.Unlock()

		if err := parent.Emit("news", "x"); err != nil {
			t.Fatal(err)
		}
		expect(t, c, `2/dyn-1,["news","x"]`)
		expect(t, c2, `2/dyn-1,["news","x"]`)
	})
}

// TestNamespaceIsolation: an emit on one namespace reaches only its own
// sockets, even on a connection that joined several.
func TestNamespaceIsolation(t *testing.T) {
	t.Parallel()
	io, url := newServer(t, nil)
	io.Of("/custom")
	c := dial(t, url, "websocket")
	join(t, c, "/custom", nil)
	join(t, c, "/", nil)
	if err := io.Of("/custom").Emit("a"); err != nil {
		t.Fatal(err)
	}
	if err := io.Emit("b"); err != nil {
		t.Fatal(err)
	}
	expect(t, c, `2/custom,["a"]`)
	expect(t, c, `2["b"]`)
	expectNothing(t, c)
}

// TestManyNamespacesOneConnection: a connection that joined more
// namespaces than it keeps in a slice (see connSockets) still routes each
// packet to its own namespace's socket, after leaving some of them too.
func TestManyNamespacesOneConnection(t *testing.T) {
	t.Parallel()
	io, url := newServer(t, nil)
	parent := io.OfFunc(func(name string, _ json.RawMessage) bool { return strings.HasPrefix(name, "/n") })
	parent.OnConnection(func(s *socketio.Socket) {
		s.On("who", func(ack socketio.AckFunc) { ack(s.Namespace().Name()) })
	})
	c := dial(t, url, "websocket")
	const n = 20
	for i := range n {
		join(t, c, fmt.Sprintf("/n%d", i), nil)
	}
	for i := 0; i < n; i += 3 {
		send(t, c, fmt.Sprintf("1/n%d,", i))
	}
	for i := n - 1; i >= 0; i-- {
		if i%3 == 0 {
			continue
		}
		nsp := fmt.Sprintf("/n%d", i)
		emitAck(t, c, nsp, uint64(i), "who")
		expect(t, c, fmt.Sprintf(`3%s,%d["%s"]`, nsp, i, nsp))
	}
	// A packet for a namespace it left ends the connection, as before.
	emit(t, c, "/n0", "who")
	expectClosed(t, c)
}

// TestOfFuncMatchPanic: a panic in a dynamic namespace's match function,
// user code, must not take the server down (it runs on the connection's
// read path; over WebSocket nothing recovers it and the process dies). The
// scenario runs in a child process so that a crash does not end this one.
func TestOfFuncMatchPanic(t *testing.T) {
	t.Parallel()
	if os.Getenv("SOCKETIO_TEST_MATCH_PANIC") == "1" {
		io, url := newServer(t, nil)
		io.OfFunc(func(name string, _ json.RawMessage) bool {
			if name == "/bad" {
				panic("match bug")
			}
			return false
		})
		c := dial(t, url, "websocket")
		_, _ = c.Connect("/bad", nil) // refused or closed: either will do
		join(t, dial(t, url, "websocket"), "/", nil)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestOfFuncMatchPanic$", "-test.count=1")
	cmd.Env = append(os.Environ(), "SOCKETIO_TEST_MATCH_PANIC=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		first, _, _ := strings.Cut(string(out), "\n\n")
		t.Fatalf("the server process died: %v\n%s", err, first)
	}
}
