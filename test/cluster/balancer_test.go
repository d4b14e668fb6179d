package cluster

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/relay"
	"github.com/duplexio/duplex/socketio"
	"github.com/duplexio/duplex/test/fixture"
)

// The official socket.io-client 4.8.4 through Debian's nginx, round-robin
// over three Go nodes with relays (no sticky sessions), on Redis and on
// NATS: every transport mode, then a load run, then a node killed.

func socketioEngine(r *relay.Relay) engineio.Options { return engineio.Options{Router: r} }

// setupRelayHandlers registers the events balancer_client.mjs uses: the
// shared fixture's echo and server acks, "whoami", "join", and "shout-all",
// which makes every node broadcast to a room.
func setupRelayHandlers(n *relayNode) {
	ns := n.io.Sockets()
	ns.OnConnection(func(s *socketio.Socket) {
		fixture.Echo(s)
		fixture.Control(n.io, s)
		var auth struct {
			Name string `json:"name"`
		}
		_ = json.Unmarshal(s.Handshake().Auth, &auth)
		s.On("whoami", func(ack socketio.AckFunc) { ack(map[string]string{"node": n.name, "name": auth.Name}) })
		s.On("join", func(room string, ack socketio.AckFunc) { s.Join(room); ack() })
		s.On("shout-all", func(room string) {
			_ = ns.To(room).Emit("shouted", n.name)
			_ = ns.ServerSideEmit(context.Background(), "shout", room)
		})
	})
	ns.OnServerSideEmit("shout", func(room string) { _ = ns.To(room).Emit("shouted", n.name) })
}

// brokers gives each test its Redis and its NATS, shared by the package.
var brokers = []struct {
	name string
	url  func(testing.TB) string
}{{"redis", redisURL}, {"nats", natsURL}}

func balanced(t *testing.T, broker string, url string) ([]*relayNode, string) {
	nodes := startRelayCluster(t, broker, url)
	addrs := make([]string, len(nodes))
	for i, n := range nodes {
		addrs[i] = n.addr
	}
	return nodes, startNginx(t, addrs, false)
}

// TestBalancerModes runs each transport mode of socket.io-client through
// the round-robin balancer (Redis classic, sharded and streams, NATS):
// connect with auth, acks both ways, binary, rooms, broadcasts from every
// node. In streams mode recovery is on, so broadcasts and emits to a
// socket carry their stream offset as their last argument.
func TestBalancerModes(t *testing.T) {
	t.Parallel()
	more := []struct {
		name string
		url  func(testing.TB) string
	}{{"redis-sharded", redisURL}, {"redis-streams", redisURL}}
	for _, b := range append(brokers, more...) {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			nodes, lb := balanced(t, b.name, b.url(t))
			for _, mode := range []string{"polling", "websocket", "upgrade"} {
				res := runClient(t, map[string]any{"scenario": "features", "url": lb, "mode": mode, "nodes": len(nodes),
					"offsets": b.name == "redis-streams"})
				if res["ok"] != true {
					t.Fatalf("%s: %v", mode, res)
				}
				t.Logf("%s: sessions on %v", mode, res["nodes"])
			}
			var polling, ws int64
			for _, n := range nodes {
				polling += n.forwardedCount("polling")
				ws += n.forwardedCount("websocket")
			}
			// Polling requests crossed nodes, and upgrades landed on
			// another node than the handshake.
			if polling == 0 || ws == 0 {
				t.Fatalf("forwarded: %d polling, %d websocket requests", polling, ws)
			}
			t.Logf("forwarded: %d polling, %d websocket requests", polling, ws)
		})
	}
}

// TestBalancerLoad runs 100 clients of mixed transports for 30 s through
// the balancer, each echoing with acks while every node broadcasts ticks:
// no session error, no lost ack, no lost tick.
func TestBalancerLoad(t *testing.T) {
	t.Parallel()
	for _, b := range brokers {
		t.Run(b.name, func(t *testing.T) {
			nodes, lb := balanced(t, b.name, b.url(t))
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() {
				defer close(done)
				tick := time.NewTicker(500 * time.Millisecond)
				defer tick.Stop()
				for seq := 0; ; seq++ {
					select {
					case <-ctx.Done():
						return
					case <-tick.C:
						for _, n := range nodes {
							_ = n.io.To("load").Emit("tick", n.name, seq)
						}
					}
				}
			}()
			res := runClient(t, map[string]any{"scenario": "load", "url": lb, "clients": 100, "seconds": 30})
			cancel()
			<-done
			t.Logf("load: %v", res)
			if res["ok"] != true {
				t.Fatalf("load: %v", res)
			}
		})
	}
}

// TestBalancerNodeKilled kills a node under connected clients: its clients
// reconnect through the balancer to the others, and every client answers
// again. (Clients of live nodes whose request was in flight through the
// killed node lose their session too and reconnect: othersDropped.)
func TestBalancerNodeKilled(t *testing.T) {
	t.Parallel()
	for _, b := range brokers {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			nodes, lb := balanced(t, b.name, b.url(t))
			p := startClient(t, map[string]any{"scenario": "kill", "url": lb, "clients": 30})
			ready := p.next(t)
			victim := nodes[1]
			victim.kill()
			p.send(t, victim.name)
			res := p.next(t)
			t.Logf("ready: %v; after the kill: %v", ready, res)
			if res["ok"] != true || res["victims"] != res["reconnected"] {
				t.Fatalf("after the kill: %v", res)
			}
		})
	}
}

// clientProc is a running balancer_client.mjs.
type clientProc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan map[string]any
}

func startClient(t *testing.T, cfg map[string]any) *clientProc {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not installed")
	}
	root := repoRoot()
	if _, err := os.Stat(filepath.Join(root, "node_modules", "socket.io-client")); err != nil {
		t.Fatalf("npm packages missing (run npm ci): %v", err)
	}
	arg, _ := json.Marshal(cfg)
	cmd := exec.Command("node", filepath.Join(root, "test", "cluster", "balancer_client.mjs"), string(arg))
	cmd.Dir = root
	cmd.Stderr = testWriter{t}
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &clientProc{cmd: cmd, stdin: stdin, lines: make(chan map[string]any, 4)}
	go func() {
		defer close(p.lines)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				p.lines <- m
			} else {
				t.Logf("client: %s", sc.Text())
			}
		}
	}()
	t.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return p
}

// next returns the client's next result line.
func (p *clientProc) next(t *testing.T) map[string]any {
	t.Helper()
	select {
	case m, ok := <-p.lines:
		if !ok {
			t.Fatal("the client exited without a result")
		}
		return m
	case <-time.After(2 * time.Minute):
		t.Fatal("no result from the client")
	}
	return nil
}

func (p *clientProc) send(t *testing.T, line string) {
	t.Helper()
	if _, err := fmt.Fprintln(p.stdin, line); err != nil {
		t.Fatal(err)
	}
}

// runClient runs a scenario to its end and returns its result.
func runClient(t *testing.T, cfg map[string]any) map[string]any {
	t.Helper()
	return startClient(t, cfg).next(t)
}
