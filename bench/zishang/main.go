// Command zishang is the second reference server of the benchmarks:
// github.com/zishang520/socket.io (the other Go port of Socket.IO, pinned in
// this directory's go.mod, a module of its own so that the core module does
// not depend on it) with default options and the same events as the Go bench
// fixture (bench/fixture) and bench/node/server.mjs:
//
//	"echo"(...args, ack)   -> ack(...args)
//	"broadcast"(payload)   -> io.emit("broadcast", payload)
//	"join"(room, ack?)     -> socket.join(room), then ack()
//	"room"(room, payload)  -> io.to(room).emit("room", payload)
//
//	zishang [-addr 127.0.0.1:PORT]
//
// Port 0 (the default) picks a free port. Once ready it prints
// "listening on http://ADDR", like bin/testserver. SIGTERM or SIGINT closes it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/zishang520/socket.io/servers/socket/v3"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()
	if err := serve(*addr); err != nil {
		fmt.Fprintln(os.Stderr, "zishang:", err)
		os.Exit(1)
	}
}

func serve(addr string) error {
	io := socket.NewServer(nil, nil)
	register(io)
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", io.ServeHandler(nil))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux}
	fmt.Printf("listening on http://%s\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	select {
	case err := <-errc:
		return err
	case <-sig:
	}
	io.Close(nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// register installs the fixture on the main namespace. Like Node's, the
// handlers get the arguments as decoded JSON values and pass them on.
func register(io *socket.Server) {
	io.On("connection", func(clients ...any) {
		s := clients[0].(*socket.Socket)
		s.On("echo", func(args ...any) {
			if ack, ok := lastAck(args); ok {
				ack(args[:len(args)-1], nil)
			}
		})
		s.On("broadcast", func(args ...any) {
			if len(args) > 0 {
				_ = io.Emit("broadcast", args[0])
			}
		})
		s.On("join", func(args ...any) {
			if room, ok := arg[string](args, 0); ok {
				s.Join(socket.Room(room))
			}
			if ack, ok := lastAck(args); ok {
				ack(nil, nil)
			}
		})
		s.On("room", func(args ...any) {
			room, ok := arg[string](args, 0)
			if ok && len(args) > 1 {
				_ = io.To(socket.Room(room)).Emit("room", args[1])
			}
		})
	})
}

func lastAck(args []any) (socket.Ack, bool) {
	if len(args) == 0 {
		return nil, false
	}
	ack, ok := args[len(args)-1].(socket.Ack)
	return ack, ok
}

func arg[T any](args []any, i int) (T, bool) {
	var zero T
	if i >= len(args) {
		return zero, false
	}
	v, ok := args[i].(T)
	return v, ok
}
