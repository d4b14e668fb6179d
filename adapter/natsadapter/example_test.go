package natsadapter_test

import (
	"log"
	"net/http"

	"github.com/duplexio/duplex/adapter/natsadapter"
	"github.com/duplexio/duplex/socketio"
)

// A cluster node on NATS: every node started this way on the same NATS
// server (and the same Prefix) shares broadcasts, rooms, fetchSockets and
// server-side events with the others.
func ExampleNew() {
	nc, err := natsadapter.Dial("nats://127.0.0.1:4222")
	if err != nil {
		log.Fatal(err)
	}
	broker := natsadapter.New(nc, nil) // prefix "duplex", 5 s heartbeats and requests
	io := socketio.NewServer(&socketio.Options{Adapter: broker.Adapter})
	defer func() {
		_ = io.Close() // first the server, then the broker, then the connection
		_ = broker.Close()
		nc.Close()
	}()
	io.Of("/").OnServerSideEmit("hello", func(from string, ack socketio.AckFunc) { ack("hi " + from) })
	io.Of("/").OnConnection(func(s *socketio.Socket) {
		s.Join("lobby")
		_ = io.Of("/").To("lobby").Emit("joined", s.ID()) // reaches the lobby on every node
	})
	log.Fatal(http.ListenAndServe(":3000", io))
}
