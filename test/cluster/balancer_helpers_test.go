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
	// forwarded counts the requests another node forwarded here, by
	// transport: proof that the balancer's requests crossed nodes.
	forwarded sync.Map // transport -> *atomic.Int64
	stop      func()   // graceful; idempotent
	kill      func()   // closes every connection at once, no goodbye on the bus
}

// startRelayNode starts a node on broker ("redis", "redis-sharded" or
// "nats") at url,
// under channel or subject prefix key.
func startRelayNode(t testing.TB, name, broker, url, key string) *relayNode {
	t.Helper()
	var factory adapter.Factory
	var bus relay.Bus
	var closeBroker func()
	switch broker {
	case "redis", "redis-sharded":
		client, err := redisadapter.Dial(url)
		if err != nil {
			t.Fatal(err)
		}
		mode := redisadapter.ModeClassic
		if broker == "redis-sharded" {
			mode = redisadapter.ModeSharded
		}
		b := redisadapter.New(client, &redisadapter.Options{Key: key, Mode: mode, RequestTimeout: 3 * time.Second})
		factory, bus = b.Adapter, relay.RedisBus(client, "duplex-relay#"+key)
		closeBroker = func() { _ = b.Close(); _ = client.Close() }
	default:
		nc, err := natsadapter.Dial(url)
		if err != nil {
			t.Fatal(err)
		}
		b := natsadapter.New(nc, &natsadapter.Options{Prefix: key, RequestTimeout: 3 * time.Second})
		factory, bus = b.Adapter, relay.NATSBus(nc, key+".relay")
		closeBroker = func() { _ = b.Close(); nc.Close() }
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := relay.New(bus, &relay.Options{Logger: testLogger(t)})
	n := &relayNode{name: name, addr: ln.Addr().String(), relay: r}
	n.io = socketio.NewServer(&socketio.Options{Adapter: factory, Engine: socketioEngine(r)})
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
				_ = n.http.Close()
				n.io.Close()
			}
			_ = r.Close()
			closeBroker()
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
