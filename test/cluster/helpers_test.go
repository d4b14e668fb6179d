// Package cluster tests duplex nodes in a cluster on real brokers: Go
// nodes with each other, and Go nodes with official Node socket.io nodes
// on the same Redis.
package cluster

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/adapter/redisadapter"
	"github.com/duplexio/duplex/internal/eiotest"
	"github.com/duplexio/duplex/internal/testservice"
	"github.com/duplexio/duplex/internal/testtime"
	"github.com/duplexio/duplex/parser"
	"github.com/duplexio/duplex/socketio"
)

// TestMain stops the Redis and NATS servers the tests shared, then checks
// for leaked goroutines.
func TestMain(m *testing.M) { testservice.Main(m) }

const wait = testtime.Wait

// redisURL returns the Redis that the package's tests share, started for
// this test binary on a free port (internal/testservice).
func redisURL(t testing.TB) string { return testservice.SharedRedis(t).URL() }

// uniqueKey is a channel prefix of its own, so that concurrent test runs
// on one Redis do not see each other.
func uniqueKey(t testing.TB) string {
	return "duplex-test-" + adapter.RandomID(6)
}

// goNode is a duplex server on a Redis broker.
type goNode struct {
	io     *socketio.Server
	url    string
	broker *redisadapter.Broker // nil on other brokers
	stop   func()               // shuts the node down; idempotent
}

// startGoNode starts a Go node: sockets get data {node: "go", name} from
// their auth, join rooms on "join", and the namespace answers the
// server-side event "ping-go".
func startGoNode(t testing.TB, url, key string, mode redisadapter.Mode) *goNode {
	t.Helper()
	client, err := redisadapter.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	log := testLogger(t)
	o := &redisadapter.Options{Key: key, Mode: mode, RequestTimeout: 3 * time.Second}
	if mode == redisadapter.ModeStreams {
		o = streamsOptions(key)
	}
	o.Logger = log
	b := redisadapter.New(client, o)
	g := serveGoNode(t, b.Adapter, b.Close, client.Close)
	g.broker = b
	return g
}

// testLogger logs to t at level info.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// serveGoNode starts a Go node on the adapter factory; closers run in
// order after the server's shutdown, at cleanup or on stop.
func serveGoNode(t testing.TB, factory adapter.Factory, closers ...func() error) *goNode {
	return serveGoNodeWith(t, &socketio.Options{Adapter: factory}, closers...)
}

// serveGoNodeWith is serveGoNode with the server's options.
func serveGoNodeWith(t testing.TB, opts *socketio.Options, closers ...func() error) *goNode {
	srv := socketio.NewServer(opts)
	setupHandlers(srv)
	ts := httptest.NewServer(srv)
	g := &goNode{io: srv, url: ts.URL}
	g.stop = sync.OnceFunc(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		_ = srv.Shutdown(ctx)
		ts.Close()
		for _, c := range closers {
			_ = c()
		}
	})
	t.Cleanup(g.stop)
	return g
}

func setupHandlers(srv *socketio.Server) {
	srv.Of("/").OnConnection(func(s *socketio.Socket) {
		var auth struct {
			Name string `json:"name"`
		}
		_ = json.Unmarshal(s.Handshake().Auth, &auth)
		if !s.Recovered() { // a recovered socket keeps the data it had
			s.SetData(map[string]any{"node": "go", "name": auth.Name})
		}
		s.On("join", func(room string) { s.Join(room) })
	})
	srv.Of("/").OnServerSideEmit("ping-go", func(n int, ack socketio.AckFunc) { ack(n + 10) })
}

// testWriter sends a logger's output to t.Log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// nodeNode is the Node server of node_server.mjs, driven over its stdin.
type nodeNode struct {
	t     testing.TB
	url   string
	cmd   *exec.Cmd
	stdin io.WriteCloser

	mu      sync.Mutex
	nextID  int
	waiting map[int]chan nodeReply
	done    chan struct{}
}

type nodeReply struct {
	ID     int             `json:"id"`
	Ready  bool            `json:"ready"`
	Port   int             `json:"port"`
	Result json.RawMessage `json:"result"`
	Error  string          `json:"error"`
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// startNodeNode starts node_server.mjs on the same Redis, key and mode,
// with env (NAME=value) added to its environment.
func startNodeNode(t testing.TB, url, key string, mode redisadapter.Mode, env ...string) *nodeNode {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not installed")
	}
	root := repoRoot()
	if _, err := os.Stat(filepath.Join(root, "node_modules", "@socket.io", "redis-adapter")); err != nil {
		t.Fatalf("npm packages missing (run npm ci): %v", err)
	}
	cmd := exec.Command("node", filepath.Join(root, "test", "cluster", "node_server.mjs"))
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "REDIS_URL="+url, "KEY="+key, "MODE="+string(mode))
	cmd.Env = append(cmd.Env, env...)
	cmd.Stderr = testWriter{t}
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n := &nodeNode{t: t, cmd: cmd, stdin: stdin, waiting: map[int]chan nodeReply{}, done: make(chan struct{})}
	ready := make(chan int, 1)
	go n.read(stdout, ready)
	t.Cleanup(n.stop)
	select {
	case port := <-ready:
		n.url = fmt.Sprintf("http://127.0.0.1:%d", port)
	case <-n.done:
		t.Fatal("node server exited before listening")
	case <-time.After(wait):
		t.Fatal("node server did not start")
	}
	return n
}

func (n *nodeNode) read(r io.Reader, ready chan<- int) {
	defer close(n.done)
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rep nodeReply
		if err := json.Unmarshal(sc.Bytes(), &rep); err != nil {
			n.t.Logf("node: %s", sc.Text())
			continue
		}
		if rep.Ready {
			ready <- rep.Port
			continue
		}
		n.mu.Lock()
		ch := n.waiting[rep.ID]
		delete(n.waiting, rep.ID)
		n.mu.Unlock()
		if ch != nil {
			ch <- rep
		}
	}
}

// call runs a command of node_server.mjs and decodes its result into out
// (when not nil).
func (n *nodeNode) call(t testing.TB, cmd map[string]any, out any) {
	t.Helper()
	if err := n.try(cmd, out); err != nil {
		t.Fatalf("node %v: %v", cmd["cmd"], err)
	}
}

func (n *nodeNode) try(cmd map[string]any, out any) error {
	n.mu.Lock()
	n.nextID++
	id := n.nextID
	ch := make(chan nodeReply, 1)
	n.waiting[id] = ch
	n.mu.Unlock()
	cmd["id"] = id
	line, _ := json.Marshal(cmd)
	if _, err := n.stdin.Write(append(line, '\n')); err != nil {
		return err
	}
	select {
	case rep := <-ch:
		if rep.Error != "" {
			return fmt.Errorf("%s", rep.Error)
		}
		if out != nil {
			return json.Unmarshal(rep.Result, out)
		}
		return nil
	case <-n.done:
		return fmt.Errorf("node server exited")
	case <-time.After(wait):
		return fmt.Errorf("no answer")
	}
}

// stop closes stdin, which makes the server exit, and kills it if it
// does not.
func (n *nodeNode) stop() {
	_ = n.stdin.Close()
	select {
	case <-n.done:
	case <-time.After(5 * time.Second):
		_ = n.cmd.Process.Kill()
		<-n.done
	}
	_ = n.cmd.Wait()
}

// client is a raw Socket.IO client of one node, joined to "/".
type client struct {
	*eiotest.SIO
	id string
}

func connectClient(t testing.TB, url, name string) *client {
	t.Helper()
	c := eiotest.DialSIO(t, url, eiotest.Options{Transport: "websocket"})
	p, err := c.Connect("/", map[string]string{"name": name})
	if err != nil || p.Type != parser.Connect {
		t.Fatalf("connect %s: %v %v", url, p, err)
	}
	var d struct {
		SID string `json:"sid"`
	}
	_ = json.Unmarshal(p.Data, &d)
	return &client{SIO: c, id: d.SID}
}

// join makes the client's socket join room, and waits until the cluster
// sees it there.
func (c *client) join(t testing.TB, room string) {
	t.Helper()
	if err := c.Emit("/", nil, "join", room); err != nil {
		t.Fatal(err)
	}
}

// event waits for the event and returns its packet.
func (c *client) event(t testing.TB, event string) *parser.Packet {
	t.Helper()
	p, err := c.NextEvent(wait, event)
	if err != nil {
		t.Fatalf("client %s: event %q: %v", c.id, event, err)
	}
	return p
}

// firstEvent returns the name of the next event the client receives,
// for checking that one it should not get did not come before a marker.
func (c *client) firstEvent(t testing.TB) string {
	t.Helper()
	for {
		p, err := c.Next(wait)
		if err != nil {
			t.Fatalf("client %s: %v", c.id, err)
		}
		if p.Type == parser.Event {
			return eiotest.EventName(p)
		}
	}
}

// ackNext answers the next event named event with answer.
func (c *client) ackNext(t testing.TB, event string, answer any) {
	t.Helper()
	p := c.event(t, event)
	if !p.HasID {
		t.Fatalf("event %q asks for no ack", event)
	}
	data, att, _ := parser.MarshalArray([]any{answer})
	if err := c.SendPacket(&parser.Packet{Type: parser.Ack, Namespace: "/", ID: p.ID, HasID: true, Data: data, Attachments: att}); err != nil {
		t.Fatal(err)
	}
}

// eventually retries f until it returns nil (testtime.Eventually).
var eventually = testtime.Eventually

// waitServers waits until the Go node counts n nodes.
func waitServers(t testing.TB, g *goNode, n int) {
	t.Helper()
	eventually(t, "server count", func() error {
		got, err := g.io.Of("/").Adapter().ServerCount(context.Background())
		if err != nil || got != n {
			return fmt.Errorf("ServerCount = %d, %v; want %d", got, err, n)
		}
		return nil
	})
}
