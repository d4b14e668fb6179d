package relay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/internal/testservice"
	"github.com/duplexio/duplex/internal/testtime"
	"github.com/duplexio/duplex/relay"
)

// TestMain stops the shared Redis and NATS, then checks for leaked
// goroutines.
func TestMain(m *testing.M) { testservice.Main(m) }

const wait = testtime.Wait

// memBus is a Bus in memory: Publish calls every subscriber.
type memBus struct {
	mu   sync.Mutex
	subs map[int]func([]byte)
	next int
}

func (b *memBus) Publish(_ context.Context, msg []byte) error {
	b.mu.Lock()
	hs := make([]func([]byte), 0, len(b.subs))
	for _, h := range b.subs {
		hs = append(hs, h)
	}
	b.mu.Unlock()
	for _, h := range hs {
		h(msg)
	}
	return nil
}

func (b *memBus) Subscribe(handle func([]byte)) (func(), error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.subs == nil {
		b.subs = map[int]func([]byte){}
	}
	id := b.next
	b.next++
	b.subs[id] = handle
	return func() {
		b.mu.Lock()
		delete(b.subs, id)
		b.mu.Unlock()
	}, nil
}

// echo sends every message back.
type echo struct{ s *engineio.Session }

func (e echo) OnMessage(data []byte, binary bool) {
	_ = e.s.Write(engineio.Message{Data: bytes.Clone(data), Binary: binary})
}
func (echo) OnClose(string, error) {}

// node is an Engine.IO echo server with its relay.
type node struct {
	relay *relay.Relay
	srv   *engineio.Server
	ts    *httptest.Server
	stop  func() // the HTTP server and the engine, not the relay
}

// startNode starts a node on bus; opts may set the engine's options.
func startNode(t *testing.T, bus relay.Bus, opts engineio.Options) *node {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := relay.New(bus, nil)
	opts.Router = r
	srv := engineio.NewServer(&opts, func(s *engineio.Session) engineio.Receiver { return echo{s} })
	ts := httptest.NewUnstartedServer(srv)
	_ = ts.Listener.Close()
	ts.Listener = ln
	ts.Start()
	n := &node{relay: r, srv: srv, ts: ts}
	n.stop = sync.OnceFunc(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		_ = srv.Shutdown(ctx)
		ts.Close()
	})
	t.Cleanup(func() { n.stop(); _ = r.Close() })
	if err := r.Start(ln.Addr().String()); err != nil {
		t.Fatal(err)
	}
	return n
}

// startCluster starts n nodes on one bus and waits until each knows the
// others.
func startCluster(t *testing.T, n int, opts engineio.Options) []*node {
	t.Helper()
	bus := &memBus{}
	nodes := make([]*node, n)
	for i := range nodes {
		nodes[i] = startNode(t, bus, opts)
	}
	for _, nd := range nodes {
		testtime.Until(t, "every node knows the others", func() bool { return len(nd.relay.Peers()) == n-1 })
	}
	return nodes
}

// roundRobin is a load balancer in front of the nodes: each request goes
// to the next node, WebSocket upgrades included.
func roundRobin(t *testing.T, nodes []*node) string {
	t.Helper()
	var next atomic.Uint64
	targets := make([]*url.URL, len(nodes))
	for i, n := range nodes {
		targets[i], _ = url.Parse(n.ts.URL)
	}
	lb := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(targets[next.Add(1)%uint64(len(targets))])
	}})
	t.Cleanup(lb.Close)
	return lb.URL
}

// get sends a GET for sid's session to base and returns the response,
// its body read.
func get(t *testing.T, base, sid string, h http.Header) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/engine.io/?EIO=4&transport=polling&sid="+sid, nil)
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	_, _ = body.ReadFrom(resp.Body)
	return resp, body.String()
}

// handshake opens a polling session on base and returns its id.
func handshake(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/engine.io/?EIO=4&transport=polling")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var open struct {
		SID string `json:"sid"`
	}
	var body bytes.Buffer
	_, _ = body.ReadFrom(resp.Body)
	if err := json.Unmarshal(bytes.TrimPrefix(body.Bytes(), []byte("0")), &open); err != nil || open.SID == "" {
		t.Fatalf("handshake: %q, %v", body.String(), err)
	}
	return open.SID
}

// post sends payload in a POST for sid's session to base.
func post(t *testing.T, base, sid, payload string) {
	t.Helper()
	resp, err := http.Post(base+"/engine.io/?EIO=4&transport=polling&sid="+sid, "text/plain", strings.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("post: %s", resp.Status)
	}
}
