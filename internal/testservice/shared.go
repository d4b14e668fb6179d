package testservice

import (
	"fmt"
	"os"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

// shared holds the servers that the tests of one binary share.
var shared struct {
	sync.Mutex
	main    bool // Main runs the tests: it will stop the servers
	servers map[string]*Server
}

// Main is TestMain for a package that shares servers: it runs the tests,
// stops the servers they shared, then fails the binary if goroutines
// outlive the tests (as eiotest.CheckLeaks does), and exits.
func Main(m *testing.M) {
	shared.Lock()
	shared.main = true
	shared.Unlock()
	code := m.Run()
	stopShared()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintf(os.Stderr, "goleak: errors on successful test run: %v\n", err)
			code = 1
		}
	}
	os.Exit(code)
}

// SharedRedis returns the Redis that the tests of this binary share; its
// tests keep to keys of their own (see Key).
func SharedRedis(tb testing.TB) *Server { return Shared(tb, Redis) }

// SharedNATS returns the NATS server that the tests of this binary share;
// its tests keep to subjects of their own (see Key).
func SharedNATS(tb testing.TB) *Server { return Shared(tb, NATS) }

// Shared returns the server of kind k that the tests of this binary share,
// started at its first use and stopped by Main, which TestMain must call.
// Without the binary it skips tb, or fails it under CI.
func Shared(tb testing.TB, k Kind) *Server {
	tb.Helper()
	if err := k.available(); err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatal(err)
		}
		tb.Skip(err)
	}
	shared.Lock()
	defer shared.Unlock()
	if !shared.main {
		tb.Fatal("testservice: a shared server needs TestMain to call testservice.Main, which stops it")
	}
	if s := shared.servers[k.bin]; s != nil {
		return s
	}
	dir, err := os.MkdirTemp("", "duplex-"+k.bin+"-")
	if err != nil {
		tb.Fatal(err)
	}
	s, err := k.start(dir)
	if err != nil {
		_ = os.RemoveAll(dir)
		tb.Fatal(err)
	}
	if shared.servers == nil {
		shared.servers = map[string]*Server{}
	}
	shared.servers[k.bin] = s
	return s
}

func stopShared() {
	shared.Lock()
	defer shared.Unlock()
	for name, s := range shared.servers {
		_ = s.Stop()
		_ = os.RemoveAll(s.dir)
		delete(shared.servers, name)
	}
}
