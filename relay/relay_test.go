package relay_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/engineio/packet"
	"github.com/duplexio/duplex/internal/eiotest"
	"github.com/duplexio/duplex/relay"
)

// TestRoundRobin runs sessions through a round-robin balancer over three
// nodes: every request after the handshake may land on a node that does
// not hold the session, and is forwarded to the one that does.
func TestRoundRobin(t *testing.T) {
	t.Parallel()
	nodes := startCluster(t, 3, engineio.Options{})
	lb := roundRobin(t, nodes)
	for _, mode := range []string{"polling", "upgrade", "websocket"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			transport := engineio.TransportPolling
			if mode == "websocket" {
				transport = engineio.TransportWebSocket
			}
			c := eiotest.Dial(t, lb, eiotest.Options{Transport: transport})
			if mode == "upgrade" {
				c.Upgrade(t)
			}
			for i := range 20 {
				want := fmt.Sprintf("message %d", i)
				if err := c.SendText(want); err != nil {
					t.Fatal(err)
				}
				p, err := c.Recv(wait)
				if err != nil || p.Type != packet.Message || string(p.Data) != want {
					t.Fatalf("echo %d: %v %q, %v", i, p.Type, p.Data, err)
				}
			}
			if got := c.Transport(); got != transport && mode != "upgrade" || mode == "upgrade" && got != engineio.TransportWebSocket {
				t.Fatalf("transport %s after %s", got, mode)
			}
		})
	}
}

// TestSessionPrefix checks that a node's sessions carry its id.
func TestSessionPrefix(t *testing.T) {
	t.Parallel()
	nodes := startCluster(t, 2, engineio.Options{})
	for _, n := range nodes {
		c := eiotest.Dial(t, n.ts.URL, eiotest.Options{})
		if !strings.HasPrefix(c.SID(), n.relay.NodeID()) || len(c.SID()) != len(n.relay.NodeID())+20 {
			t.Fatalf("sid %q of node %q", c.SID(), n.relay.NodeID())
		}
	}
}

// TestNotForwarded covers the requests a node answers as for an unknown
// session: another node's session when that node is gone, a session of no
// node, and a request that was forwarded already (no loops).
func TestNotForwarded(t *testing.T) {
	t.Parallel()
	nodes := startCluster(t, 3, engineio.Options{})
	a, b := nodes[0], nodes[1]
	c := eiotest.Dial(t, a.ts.URL, eiotest.Options{})

	again := http.Header{"Duplex-Relay": {"x"}}
	if resp, body := get(t, b.ts.URL, c.SID(), again); resp.StatusCode != 400 || !strings.Contains(body, `"code":1`) {
		t.Fatalf("forwarded twice: %d %s", resp.StatusCode, body)
	}
	if resp, body := get(t, b.ts.URL, "zzzzzz"+c.SID()[6:], nil); resp.StatusCode != 400 || !strings.Contains(body, `"code":1`) {
		t.Fatalf("no such node: %d %s", resp.StatusCode, body)
	}

	a.stop() // a crash, as far as the others can tell: no goodbye on the bus
	if resp, body := get(t, b.ts.URL, c.SID(), nil); resp.StatusCode != 400 || body != `{"code":1,"message":"Session ID unknown"}` {
		t.Fatalf("dead owner: %d %s", resp.StatusCode, body)
	}
	if _, ok := b.relay.Peers()[a.relay.NodeID()]; ok {
		t.Fatal("the dead node is still a peer")
	}
}

// TestCORSForwarded checks that a forwarded answer carries the owner's
// CORS headers once, not the forwarding node's as well.
func TestCORSForwarded(t *testing.T) {
	t.Parallel()
	nodes := startCluster(t, 2, engineio.Options{CORS: &engineio.CORS{Origins: []string{"https://app.example"}}})
	sid := handshake(t, nodes[0].ts.URL)
	post(t, nodes[1].ts.URL, sid, "4hi")
	resp, body := get(t, nodes[1].ts.URL, sid, http.Header{"Origin": {"https://app.example"}})
	if resp.StatusCode != 200 || !strings.Contains(body, "4hi") {
		t.Fatalf("forwarded poll: %d %q", resp.StatusCode, body)
	}
	if got := resp.Header.Values("Access-Control-Allow-Origin"); len(got) != 1 || got[0] != "https://app.example" {
		t.Fatalf("Access-Control-Allow-Origin %q", got)
	}
}

// TestForwardedHeaders checks what the owner sees of a forwarded request:
// the balancer's Host and X-Forwarded-* kept, the address the forwarding
// node saw appended to X-Forwarded-For, and the loop guard.
func TestForwardedHeaders(t *testing.T) {
	t.Parallel()
	got := make(chan http.Header, 1)
	owner := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Clone()
		h.Set("Host", r.Host)
		got <- h
	}))
	t.Cleanup(owner.Close)
	bus := &memBus{}
	r := relay.New(bus, nil)
	t.Cleanup(func() { _ = r.Close() })
	if err := r.Start("127.0.0.1:1"); err != nil {
		t.Fatal(err)
	}
	announce := fmt.Sprintf(`{"type":"announce","node":"Peer01","addr":%q}`, strings.TrimPrefix(owner.URL, "http://"))
	_ = bus.Publish(context.Background(), []byte(announce))

	req := httptest.NewRequest(http.MethodGet, "/engine.io/?EIO=4&transport=polling&sid=Peer01abc", nil)
	req.Host = "chat.example"
	req.RemoteAddr = "10.9.8.7:5555"
	req.Header.Set("X-Forwarded-For", "203.0.113.5")
	req.Header.Set("X-Forwarded-Proto", "https")
	if !r.Route(httptest.NewRecorder(), req, "Peer01abc") {
		t.Fatal("not routed to the announced peer")
	}
	h := <-got
	for k, want := range map[string]string{
		"Host": "chat.example", "X-Forwarded-For": "203.0.113.5, 10.9.8.7",
		"X-Forwarded-Proto": "https", "Duplex-Relay": r.NodeID(),
	} {
		if h.Get(k) != want {
			t.Errorf("%s: %q, want %q", k, h.Get(k), want)
		}
	}
}
