package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/duplexio/duplex/socketio"
)

// bench is the benchmark fixture, with default options: echo with ack,
// broadcast to all, join a room, broadcast to a room.
func bench(logger *slog.Logger) (http.Handler, func(context.Context), error) {
	io := socketio.NewServer(&socketio.Options{Logger: logger})
	io.OnConnection(func(s *socketio.Socket) {
		s.On("echo", func(args socketio.Args, ack socketio.AckFunc) {
			values, _ := args.Values()
			ack(values...)
		})
		s.On("broadcast", func(payload json.RawMessage) { _ = io.Emit("broadcast", payload) })
		s.On("join", func(room string, ack socketio.AckFunc) {
			s.Join(room)
			ack()
		})
		s.On("room", func(room string, payload json.RawMessage) { _ = io.To(room).Emit("room", payload) })
	})
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", io)
	return mux, func(ctx context.Context) { _ = io.Shutdown(ctx) }, nil
}
