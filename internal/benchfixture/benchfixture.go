// Package benchfixture holds the handlers of the benchmark fixture, shared by
// internal/testserver (-fixture bench) and bench/cmd/profserver, so that the
// server the load tool measures and the one it profiles are the same.
package benchfixture

import (
	"encoding/json"

	"github.com/duplexio/duplex/socketio"
)

// Register installs the fixture on the main namespace of io:
// "echo"(...args, ack) -> ack(...args); "broadcast"(payload) -> io.emit;
// "join"(room, ack) -> join then ack(); "room"(room, payload) -> io.to(room).emit.
func Register(io *socketio.Server) {
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
}
