// Package testservice starts the brokers that cluster tests need, each test
// binary its own: a redis-server or nats-server on a free port of 127.0.0.1,
// in a temporary directory, stopped when the test (or the test binary) ends.
// Tests never touch a service they did not start, so a developer's own Redis
// on 6379 keeps its data whatever a test does to its server (the Redis
// restart test shuts its server down).
//
// The binaries come from the Debian packages redis-server and nats-server,
// which `make services` installs (as `.ci/run` does). Without them a test
// skips, or fails under CI=true.
//
// A package shares one server per test binary (Shared), its tests running in
// parallel on keys or subjects of their own; a test that stops or restarts
// its server starts one of its own (StartRedis, StartNATS).
package testservice

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// ReadyTimeout bounds how long a server may take to answer after it starts:
// a few milliseconds on an idle machine, seconds on a loaded 2-core one.
const ReadyTimeout = 15 * time.Second

// Kind is a broker this package knows how to run.
type Kind struct {
	name   string // for messages: "Redis", "NATS"
	bin    string // the binary on PATH
	pkg    string // the Debian package that installs it
	scheme string // of the URL
	args   func(port int, dir string) []string
	ready  func(net.Conn) error // the server answers on conn
}

// Redis is redis-server without persistence.
var Redis = Kind{name: "Redis", bin: "redis-server", pkg: "redis-server", scheme: "redis",
	args: func(port int, dir string) []string {
		return []string{"--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--save", "",
			"--appendonly", "no", "--dir", dir, "--logfile", "redis.log", "--daemonize", "no"}
	},
	ready: func(c net.Conn) error {
		if _, err := c.Write([]byte("PING\r\n")); err != nil {
			return err
		}
		return expect(c, "+PONG")
	},
}

// NATS is nats-server with its defaults (no JetStream: the adapter uses core
// publish/subscribe only).
var NATS = Kind{name: "NATS", bin: "nats-server", pkg: "nats-server", scheme: "nats",
	args: func(port int, dir string) []string {
		return []string{"-a", "127.0.0.1", "-p", strconv.Itoa(port), "-l", dir + "/nats.log"}
	},
	ready: func(c net.Conn) error { return expect(c, "INFO ") },
}

// Server is a broker started by this package.
type Server struct {
	kind Kind
	port int
	dir  string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
}

// URL is the server's address as its client libraries take it, e.g.
// redis://127.0.0.1:40123.
func (s *Server) URL() string { return fmt.Sprintf("%s://%s", s.kind.scheme, s.Addr()) }

// Addr is host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// StartRedis starts a Redis of the test's own, stopped at its cleanup.
func StartRedis(tb testing.TB) *Server { return Start(tb, Redis) }

// StartNATS starts a NATS server of the test's own, stopped at its cleanup.
func StartNATS(tb testing.TB) *Server { return Start(tb, NATS) }

// Start starts a server of kind k for tb, stopped at its cleanup. Without
// the binary it skips tb, or fails it under CI.
func Start(tb testing.TB, k Kind) *Server {
	tb.Helper()
	if err := k.available(); err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatal(err)
		}
		tb.Skip(err)
	}
	s, err := k.start(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = s.Stop() })
	return s
}

func (k Kind) available() error {
	if _, err := exec.LookPath(k.bin); err != nil {
		return fmt.Errorf("%s not on PATH: `make services` installs it (Debian package %s)", k.bin, k.pkg)
	}
	return nil
}

// start runs a server on a free port in dir. A port found free may be taken
// before the server binds it: then the server exits and another port is
// tried.
func (k Kind) start(dir string) (*Server, error) {
	var err error
	for range 5 {
		var port int
		if port, err = freePort(); err != nil {
			return nil, err
		}
		s := &Server{kind: k, port: port, dir: dir}
		if err = s.Restart(); err == nil {
			return s, nil
		}
	}
	return nil, err
}

// Restart starts the server again on its port after Stop (a server that
// runs is left alone), and waits until it answers.
func (s *Server) Restart() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return nil
	}
	cmd := exec.Command(s.kind.bin, s.kind.args(s.port, s.dir)...)
	cmd.Dir = s.dir
	cmd.SysProcAttr = procAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", s.kind.bin, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	if err := s.kind.waitReady(s.Addr(), done); err != nil {
		_ = cmd.Process.Kill()
		<-done
		return fmt.Errorf("%s on %s: %w (log in %s)", s.kind.bin, s.Addr(), err, s.dir)
	}
	s.cmd, s.done = cmd, done
	return nil
}

// Stop stops the server (SIGTERM, then SIGKILL after 10 s) and waits until
// it has exited. Stopping a stopped server does nothing.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return nil
	}
	cmd, done := s.cmd, s.done
	s.cmd, s.done = nil, nil
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
	return nil
}

func (k Kind) waitReady(addr string, exited <-chan struct{}) error {
	deadline := time.Now().Add(ReadyTimeout)
	for {
		err := k.probe(addr)
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			return errors.New("exited before it answered")
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no answer after %v: %w", ReadyTimeout, err)
		}
	}
}

func (k Kind) probe(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	return k.ready(c)
}

// expect reads from c until it has len(prefix) bytes and checks them.
func expect(c net.Conn, prefix string) error {
	buf := make([]byte, len(prefix))
	for n := 0; n < len(buf); {
		m, err := c.Read(buf[n:])
		if err != nil {
			return err
		}
		n += m
	}
	if string(buf) != prefix {
		return fmt.Errorf("answered %q, want %q", buf, prefix)
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
