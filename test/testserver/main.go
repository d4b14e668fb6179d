// Command testserver runs the server fixtures that the interop tests, the
// official conformance suites and the benchmarks drive:
//
//	testserver -addr 127.0.0.1:PORT -fixture conformance|interop|bench [-redis URL [-redis-key KEY] [-redis-mode classic|sharded|streams]]
//
// With -redis, the bench fixture is a node of a Redis cluster (adapter/redisadapter):
// the nodes started with the same Redis and key share their broadcasts, and
// each forwards the requests of the others' sessions to them (package relay),
// so that a balancer needs no affinity. The cluster benchmarks
// (bench/run-cluster.sh, bench/run-balancer.sh) run two and three of them.
//
// The address may also come from the PORT environment variable. With port 0
// it picks a free port. Once ready it prints "listening on http://ADDR".
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/gctune"
	"github.com/duplexio/duplex/relay"
	"github.com/duplexio/duplex/socketio"
)

func main() {
	addr := flag.String("addr", "", "listen address (default 127.0.0.1:$PORT or 127.0.0.1:3000)")
	fixture := flag.String("fixture", "conformance", "fixture: conformance, interop or bench")
	verbose := flag.Bool("v", false, "log debug output to stderr")
	var cl cluster
	flag.StringVar(&cl.redisURL, "redis", "", "bench fixture: join the Redis cluster at this URL (redis://host:port or host:port)")
	flag.StringVar(&cl.redisKey, "redis-key", "", "with -redis: channel prefix of the cluster (default socket.io)")
	flag.StringVar(&cl.redisMode, "redis-mode", "classic", "with -redis: classic, sharded or streams (streams turns connection state recovery on)")
	parserName := flag.String("parser", "json", "Socket.IO parser of every fixture: json or msgpack (socket.io-msgpack-parser)")
	flag.Parse()
	p, err := socketio.ParseParser(*parserName)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testserver:", err)
		os.Exit(2)
	}
	cl.parser = p
	// The GC policy of cmd/duplex, so that the benchmark measures it.
	defer gctune.Start(gctune.Default)()
	if err := run(*addr, *fixture, *verbose, cl); err != nil {
		fmt.Fprintln(os.Stderr, "testserver:", err)
		os.Exit(1)
	}
}

// cluster is the optional Redis cluster of the bench fixture.
type cluster struct {
	redisURL  string
	redisKey  string
	redisMode string
	parser    socketio.Parser // not a cluster setting: the -parser flag, for every fixture
	relay     *relay.Relay    // set by bench with -redis; started once listening
}

func run(addr, fixture string, verbose bool, cl cluster) error {
	if addr == "" {
		addr = "127.0.0.1:3000"
		if p := os.Getenv("PORT"); p != "" {
			addr = "127.0.0.1:" + p
		}
	}
	level := slog.LevelWarn
	if verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	mux, shutdown, err := build(fixture, logger, &cl)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	if cl.relay != nil {
		if err := cl.relay.Start(ln.Addr().String()); err != nil {
			return err
		}
	}
	// Node's header limit, which the engine also checks (431).
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: engineio.DefaultMaxHeaderBytes}
	fmt.Printf("listening on http://%s\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	select {
	case err := <-errc:
		return err
	case <-sig:
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	shutdown(ctx)
	return srv.Shutdown(ctx)
}

func build(fixture string, logger *slog.Logger, cl *cluster) (http.Handler, func(context.Context), error) {
	if cl.redisURL != "" && fixture != "bench" {
		return nil, nil, fmt.Errorf("-redis: only the bench fixture can be a cluster node")
	}
	switch fixture {
	case "conformance":
		return conformance(logger, false, cl.parser)
	case "interop":
		return conformance(logger, true, cl.parser)
	case "bench":
		return bench(logger, cl)
	}
	return nil, nil, fmt.Errorf("unknown fixture %q", fixture)
}
