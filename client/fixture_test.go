package client

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/socketio"
	"github.com/duplexio/duplex/test/fixture"
)

// testTimeout bounds every wait of the tests: generous, for a loaded
// 2-core machine running with -race.
const testTimeout = 20 * time.Second

// testServer is a Socket.IO server with the fixture's events: ours
// in-process, or Node's official one in a child process. Both answer the
// same events (see test/nodeserver/server.mjs).
type testServer interface {
	URL() string
	// Stop stops the server; Start starts it again on the same port.
	Stop()
	Start(t testing.TB)
}

// fixtureOptions configure a fixture server.
type fixtureOptions struct {
	pingInterval time.Duration // default 25s
	pingTimeout  time.Duration // default 20s
	recovery     bool          // connection state recovery
	msgpack      bool          // socket.io-msgpack-parser
}

// serverKind starts one kind of fixture server.
type serverKind struct {
	name  string
	start func(t testing.TB, o fixtureOptions) testServer
}

var serverKinds = []serverKind{
	{"go", func(t testing.TB, o fixtureOptions) testServer { return startGo(t, o) }},
	{"node", func(t testing.TB, o fixtureOptions) testServer { return startNode(t, o) }},
}

// transportModes are the transport settings every test runs with.
var transportModes = []struct {
	name       string
	transports []string
}{
	{"polling", []string{TransportPolling}},
	{"websocket", []string{TransportWebSocket}},
	{"upgrade", []string{TransportPolling, TransportWebSocket}},
}

// goServer is our server, in-process.
type goServer struct {
	o    fixtureOptions
	addr string

	mu sync.Mutex
	io *socketio.Server
	hs *http.Server
}

func startGo(t testing.TB, o fixtureOptions) *goServer {
	g := &goServer{o: o, addr: "127.0.0.1:" + strconv.Itoa(freePort(t))}
	g.Start(t)
	t.Cleanup(g.Stop)
	return g
}

func (g *goServer) URL() string { return "http://" + g.addr }

func (g *goServer) Start(t testing.TB) {
	t.Helper()
	opts := &socketio.Options{Engine: engineio.Options{PingInterval: g.o.pingInterval, PingTimeout: g.o.pingTimeout}}
	if g.o.msgpack {
		opts.Parser = socketio.ParserMsgpack
	}
	if g.o.recovery {
		opts.ConnectionStateRecovery = &socketio.RecoveryOptions{SkipMiddlewares: true}
	}
	io := socketio.NewServer(opts)
	setupGoFixture(io)
	ln, err := listenRetry(g.addr)
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	g.mu.Lock()
	g.addr = ln.Addr().String()
	g.io, g.hs = io, &http.Server{Handler: io, ReadHeaderTimeout: 10 * time.Second}
	hs := g.hs
	g.mu.Unlock()
	go func() { _ = hs.Serve(ln) }()
}

// freePort returns a free port below the ephemeral range (32768 and up
// on Linux): a server restarted on the same port would otherwise find it
// taken by the source port of some other test's connection.
func freePort(t testing.TB) int {
	t.Helper()
	for range 100 {
		port := 20000 + rand.IntN(12000)
		if ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port)); err == nil {
			ln.Close()
			return port
		}
	}
	t.Fatal("no free port")
	return 0
}

// listenRetry listens on addr, retrying a little while the port of a
// server just stopped is still taken.
func listenRetry(addr string) (net.Listener, error) {
	var err error
	for range 50 {
		var ln net.Listener
		if ln, err = net.Listen("tcp", addr); err == nil {
			return ln, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nil, err
}

func (g *goServer) Stop() {
	g.mu.Lock()
	io, hs := g.io, g.hs
	g.io, g.hs = nil, nil
	g.mu.Unlock()
	if io == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = io.Shutdown(ctx)
	_ = hs.Close()
}

// setupGoFixture registers the fixture's namespaces and events.
func setupGoFixture(io *socketio.Server) {
	for _, name := range []string{"/", "/custom"} {
		io.Of(name).OnConnection(func(s *socketio.Socket) {
			fixture.Echo(s)
			fixture.Control(io, s)
		})
	}
	fixture.Restrict(io.Of("/restricted"))
}

// nodeServer is test/nodeserver/server.mjs in a child process.
type nodeServer struct {
	o      fixtureOptions
	node   string
	script string
	port   int

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when the output reader has seen EOF
}

// repoRoot is the module root, where node_modules lives.
func repoRoot() string {
	wd, _ := os.Getwd()
	return filepath.Dir(wd)
}

func startNode(t testing.TB, o fixtureOptions) *nodeServer {
	t.Helper()
	root := repoRoot()
	if _, err := os.Stat(filepath.Join(root, "node_modules", "socket.io", "package.json")); err != nil {
		t.Skip("node_modules/socket.io is missing: run `make deps` (npm ci) to test against the Node server")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: cannot test against the Node server")
	}
	n := &nodeServer{o: o, node: node, script: filepath.Join(root, "test", "nodeserver", "server.mjs"), port: freePort(t)}
	n.Start(t)
	t.Cleanup(n.Stop)
	return n
}

func (n *nodeServer) URL() string { return "http://127.0.0.1:" + strconv.Itoa(n.port) }

func (n *nodeServer) Start(t testing.TB) {
	t.Helper()
	var err error
	for range 20 { // the port of a server just killed may still be taken
		if err = n.spawn(); err == nil {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("node server: %v", err)
}

// spawn starts the process and waits for its "listening on" line.
func (n *nodeServer) spawn() error {
	args := []string{n.script, "--port", strconv.Itoa(n.port)}
	if n.o.pingInterval > 0 {
		args = append(args, "--ping-interval", strconv.Itoa(int(n.o.pingInterval/time.Millisecond)))
	}
	if n.o.pingTimeout > 0 {
		args = append(args, "--ping-timeout", strconv.Itoa(int(n.o.pingTimeout/time.Millisecond)))
	}
	if n.o.recovery {
		args = append(args, "--recovery")
	}
	if n.o.msgpack {
		args = append(args, "--msgpack")
	}
	cmd := exec.Command(n.node, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	lines, done := make(chan string, 1), make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
	}()
	port, err := readPort(lines, done)
	if err != nil {
		_ = cmd.Process.Kill()
		<-done
		_ = cmd.Wait()
		return err
	}
	n.mu.Lock()
	n.cmd, n.done, n.port = cmd, done, port
	n.mu.Unlock()
	return nil
}

// readPort reads the port from the server's "listening on" line.
func readPort(lines chan string, done chan struct{}) (int, error) {
	select {
	case line := <-lines:
		addr, ok := strings.CutPrefix(line, "listening on http://")
		if !ok {
			return 0, fmt.Errorf("unexpected output %q", line)
		}
		_, port, _ := net.SplitHostPort(addr)
		return strconv.Atoi(port)
	case <-done:
		return 0, errors.New("exited before listening")
	case <-time.After(testTimeout):
		return 0, errors.New("not listening in time")
	}
}

// Stop kills the process abruptly, like a crash.
func (n *nodeServer) Stop() { n.stop(syscall.SIGKILL) }

func (n *nodeServer) stop(sig syscall.Signal) {
	n.mu.Lock()
	cmd, done := n.cmd, n.done
	n.cmd = nil
	n.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(sig)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
	_ = cmd.Wait()
}
