package cluster

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/adapter/natsadapter"
	"github.com/duplexio/duplex/adapter/redisadapter"
	"github.com/duplexio/duplex/relay"
	"github.com/duplexio/duplex/socketio"
)

// relayNode is a Go node with a relay (no sticky sessions needed) on a
// real port, with its test events (setupRelayHandlers).
type relayNode struct {
	name  string
	addr  string
	io    *socketio.Server
	relay *relay.Relay
	http  *http.Server
	key   string // the cluster's channel prefix (and stream, in streams mode)
	// forwarded counts the requests another node forwarded here, by
	// transport: proof that the balancer's requests crossed nodes.
	forwarded sync.Map // transport -> *atomic.Int64
	stop      func()   // graceful; idempotent
	kill      func()   // cuts the broker, then every connection at once
}

// relayKeepSessions is how often a streams-mode relay node saves the
// sessions of its connected sockets (duplex saves every 15 s): short, so
// that a test sees the rooms its clients joined saved soon.
const relayKeepSessions = 300 * time.Millisecond

// nodeBroker is a node's connection to its cluster's broker.
type nodeBroker struct {
	factory adapter.Factory
	bus     relay.Bus
	// recovery is the node's connection state recovery (streams mode).
	recovery *socketio.RecoveryOptions
	// cut drops the connection to the broker at once, as the death of
	// the process would: nothing more reaches the broker from this node.
	cut   func()
	close func()
}

// dialBroker connects a node to broker ("redis", "redis-sharded",
// "redis-streams" or "nats") at url, under channel or subject prefix key
// (and stream key, in streams mode, where recovery is on as duplex has it
// in that mode).
func dialBroker(t testing.TB, broker, url, key string) nodeBroker {
	t.Helper()
	if broker == "nats" {
		nc, err := natsadapter.Dial(url)
		if err != nil {
			t.Fatal(err)
		}
		b := natsadapter.New(nc, &natsadapter.Options{Prefix: key, RequestTimeout: 3 * time.Second})
		return nodeBroker{factory: b.Adapter, bus: relay.NATSBus(nc, key+".relay"),
			cut: nc.Close, close: func() { _ = b.Close(); nc.Close() }}
	}
	client, err := redisadapter.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	o := &redisadapter.Options{Key: key, Mode: redisadapter.ModeClassic, RequestTimeout: 3 * time.Second}
	var recovery *socketio.RecoveryOptions
	switch broker {
	case "redis-sharded":
		o.Mode = redisadapter.ModeSharded
	case "redis-streams":
		o = streamsOptions(key)
		o.KeepSessions = relayKeepSessions
		o.Logger = testLogger(t)
		recovery = &socketio.RecoveryOptions{MaxDisconnectionDuration: recoveryWindow}
	}
	b := redisadapter.New(client, o)
	return nodeBroker{factory: b.Adapter, bus: relay.RedisBus(client, "duplex-relay#"+key), recovery: recovery,
		cut: func() { _ = client.Close() }, close: func() { _ = b.Close(); _ = client.Close() }}
}

// startRelayNode starts a node on broker at url under key (dialBroker).
func startRelayNode(t testing.TB, name, broker, url, key string) *relayNode {
	t.Helper()
	br := dialBroker(t, broker, url, key)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := relay.New(br.bus, &relay.Options{Logger: testLogger(t)})
	n := &relayNode{name: name, addr: ln.Addr().String(), relay: r, key: key}
	n.io = socketio.NewServer(&socketio.Options{Adapter: br.factory, Engine: socketioEngine(r),
		ConnectionStateRecovery: br.recovery})
	setupRelayHandlers(n)
	n.http = &http.Server{Handler: n.countForwarded(n.io)}
	go func() { _ = n.http.Serve(ln) }()
	if err := r.Start(n.addr); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	finish := func(graceful bool) {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			if graceful {
				_ = n.http.Shutdown(ctx)
				_ = n.io.Shutdown(ctx)
			} else {
				// The broker first: a killed process says no goodbye
				// and saves no session on its way out.
				br.cut()
				_ = n.http.Close()
				n.io.Close()
			}
			_ = r.Close()
			br.close()
		})
	}
	n.stop = func() { finish(true) }
	n.kill = func() { finish(false) }
	t.Cleanup(n.stop)
	return n
}

func (n *relayNode) countForwarded(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(relay.HeaderForwarded) != "" {
			c, _ := n.forwarded.LoadOrStore(r.URL.Query().Get("transport"), new(atomic.Int64))
			c.(*atomic.Int64).Add(1)
		}
		h.ServeHTTP(w, r)
	})
}

// forwardedCount returns how many requests of transport were forwarded here.
func (n *relayNode) forwardedCount(transport string) int64 {
	c, ok := n.forwarded.Load(transport)
	if !ok {
		return 0
	}
	return c.(*atomic.Int64).Load()
}

// startRelayCluster starts three nodes on broker and waits until each
// knows the others.
func startRelayCluster(t testing.TB, broker, url string) []*relayNode {
	t.Helper()
	key := uniqueKey(t)
	nodes := make([]*relayNode, 3)
	for i := range nodes {
		nodes[i] = startRelayNode(t, fmt.Sprintf("node%d", i), broker, url, key)
	}
	deadline := time.Now().Add(wait)
	for _, n := range nodes {
		for len(n.relay.Peers()) != len(nodes)-1 {
			if time.Now().After(deadline) {
				t.Fatalf("%s knows %v", n.name, n.relay.Peers())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	return nodes
}

// startNginx runs Debian's nginx on a free loopback port in front of the
// upstream addresses, round-robin (or with ip_hash when sticky), and
// returns its URL. It stops nginx at cleanup.
func startNginx(t testing.TB, upstreams []string, sticky bool) string {
	t.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		if _, err = os.Stat("/usr/sbin/nginx"); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatal("nginx not installed (make services installs it)")
			}
			t.Skip("nginx not installed (make services installs it)")
		}
		bin = "/usr/sbin/nginx"
	}
	dir := t.TempDir()
	port := freePort(t)
	conf := nginxConfig(dir, port, upstreams, sticky)
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", dir, "-c", filepath.Join(dir, "nginx.conf"), "-e", filepath.Join(dir, "error.log"))
	cmd.Stderr = testWriter{t}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if b, _ := os.ReadFile(filepath.Join(dir, "error.log")); len(b) > 0 {
			t.Logf("nginx error.log:\n%s", b)
		}
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(wait)
	for {
		if c, err := net.Dial("tcp", addr); err == nil {
			_ = c.Close()
			return "http://" + addr
		}
		select {
		case <-exited:
			t.Fatal("nginx exited at start-up")
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("nginx did not listen")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// nginxConfig is a balancer as the README shows it, in one process
// (master_process off) with every file under dir.
func nginxConfig(dir string, port int, upstreams []string, sticky bool) string {
	var servers strings.Builder
	if sticky {
		servers.WriteString("    ip_hash;\n")
	}
	for _, u := range upstreams {
		fmt.Fprintf(&servers, "    server %s;\n", u)
	}
	return fmt.Sprintf(`daemon off;
master_process off;
worker_processes 1;
pid %[1]s/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path %[1]s/body;
  proxy_temp_path %[1]s/proxy;
  fastcgi_temp_path %[1]s/fastcgi;
  uwsgi_temp_path %[1]s/uwsgi;
  scgi_temp_path %[1]s/scgi;
  upstream duplex {
%[3]s    keepalive 64;
  }
  map $http_upgrade $connection_upgrade { default upgrade; '' ''; }
  server {
    listen 127.0.0.1:%[2]d;
    location / {
      proxy_pass http://duplex;
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_read_timeout 120s;
      proxy_buffering off;
    }
  }
}
`, dir, port, servers.String())
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
