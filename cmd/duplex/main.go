// Command duplex serves the Duplex chat application: a web page at / and
// the Socket.IO endpoint it talks to, on one in-memory node.
//
//	duplex                     listen on :3000
//	duplex --addr HOST:PORT    listen elsewhere (port 0: a free port)
//	duplex -h                  every flag and DUPLEX_* variable
//	duplex --version           module version, VCS revision, Go version
//	duplex client ...          the command-line Socket.IO client
//
// All protocol logic lives in packages socketio and cmd/duplex/internal/chat, the
// page in cmd/duplex/internal/web; this command only turns flags into options, builds
// the HTTP mux and runs it until a signal.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/duplexio/duplex/gctune"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is main with its inputs and outputs passed in; it returns the exit
// code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "client" {
		return runClient(args[1:], stdin, stdout, stderr)
	}
	if isVersion(args) {
		fmt.Fprint(stdout, versionText(debug.ReadBuildInfo()))
		return 0
	}
	cfg, err := parseConfig(args, os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		printUsage(stdout)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "duplex: %v\nRun 'duplex -h' for the flags.\n", err)
		return 2
	}
	logger := newLogger(cfg, stderr)
	defer gctune.Start(gctune.Default)() // GC headroom sized to the heap; GOGC overrides
	// The first signal starts a graceful shutdown; stop() then restores the
	// default handling, so a second one kills at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := newServer(cfg, logger)
	if err != nil {
		logger.Error("duplex: cannot start", "err", err)
		return 1
	}
	if err := srv.listenAndServe(ctx, stop); err != nil {
		logger.Error("duplex: stopped", "err", err)
		return 1
	}
	return 0
}

func newLogger(cfg *config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.logLevel}
	if cfg.logFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
