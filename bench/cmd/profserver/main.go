// Command profserver is the bench fixture of test/testserver (same
// events, default options) with profiling: it writes a CPU profile of its
// whole run and, on SIGUSR1 or at exit, a heap profile, so that the costs
// behind a bench/cmd/load scenario can be read with go tool pprof:
//
//	profserver -addr 127.0.0.1:0 -cpuprofile cpu.out -memprofile heap.out
//
// The handlers are bench/fixture's, as in test/testserver.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/duplexio/duplex/bench/fixture"
	"github.com/duplexio/duplex/gctune"
	"github.com/duplexio/duplex/socketio"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	memProfile := flag.String("memprofile", "", "write a heap profile to this file on SIGUSR1 and at exit")
	memRate := flag.Int("memprofilerate", 0, "runtime.MemProfileRate (0: Go's default)")
	flag.Parse()
	// The GC policy of cmd/duplex, so that the benchmark measures it.
	defer gctune.Start(gctune.Default)()
	if err := run(*addr, *cpuProfile, *memProfile, *memRate); err != nil {
		fmt.Fprintln(os.Stderr, "profserver:", err)
		os.Exit(1)
	}
}

func run(addr, cpuProfile, memProfile string, memRate int) error {
	if memRate > 0 {
		runtime.MemProfileRate = memRate
	}
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	io := socketio.NewServer(nil)
	fixture.Register(io)
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", io)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("listening on http://%s\n", ln.Addr())
	go func() { _ = srv.Serve(ln) }()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM, syscall.SIGUSR1)
	for s := range sig {
		if memProfile != "" {
			if err := writeHeap(memProfile); err != nil {
				return err
			}
		}
		if s != syscall.SIGUSR1 {
			break
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = io.Shutdown(ctx)
	return srv.Shutdown(ctx)
}

func writeHeap(path string) error {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(os.Stderr, "goroutines %d, heap live %d KiB, heap in use %d KiB, stacks in use %d KiB, sys %d KiB\n",
		runtime.NumGoroutine(), ms.HeapAlloc>>10, ms.HeapInuse>>10, ms.StackInuse>>10, ms.Sys>>10)
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return pprof.Lookup("heap").WriteTo(f, 0)
}
