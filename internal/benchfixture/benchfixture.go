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
//
// Arguments are passed on as the JSON the parser validated
// (json.RawMessage), as a Go handler that only relays them would: decoding
// them into values only to encode them again is work no relay does.
func Register(io *socketio.Server) {
	io.OnConnection(func(s *socketio.Socket) {
		s.On("echo", func(args socketio.Args, ack socketio.AckFunc) { ack(echoed(args)...) })
		s.On("broadcast", func(payload json.RawMessage) { _ = io.Emit("broadcast", payload) })
		s.On("join", func(room string, ack socketio.AckFunc) {
			s.Join(room)
			ack()
		})
		s.On("room", func(room string, payload json.RawMessage) { _ = io.To(room).Emit("room", payload) })
	})
}

// echoed returns the arguments of an echo to acknowledge with: the JSON as
// received, or decoded values when binary attachments must be put back.
func echoed(args socketio.Args) []any {
	if len(args.Attachments()) > 0 {
		values, _ := args.Values()
		return values
	}
	out := make([]any, args.Len())
	for i := range out {
		out[i] = args.Raw(i)
	}
	return out
}
