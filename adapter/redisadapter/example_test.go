package redisadapter_test

import (
	"log"
	"net/http"

	"github.com/duplexio/duplex/adapter/redisadapter"
	"github.com/duplexio/duplex/socketio"
)

// A cluster node: every node started this way on the same Redis (and the
// same Key) shares broadcasts, rooms and fetchSockets with the others,
// whether they run duplex or Node's socket.io with @socket.io/redis-adapter.
func ExampleNew() {
	client, err := redisadapter.Dial("redis://127.0.0.1:6379/0")
	if err != nil {
		log.Fatal(err)
	}
	broker := redisadapter.New(client, nil) // key "socket.io", classic mode, 5 s requests
	io := socketio.NewServer(&socketio.Options{Adapter: broker.Adapter})
	defer func() {
		_ = io.Close() // first the server, then the broker, then the client
		_ = broker.Close()
		_ = client.Close()
	}()
	io.Of("/").OnServerSideEmit("hello", func(from string, ack socketio.AckFunc) { ack("hi " + from) })
	io.Of("/").OnConnection(func(s *socketio.Socket) {
		s.Join("lobby")
		_ = io.Of("/").To("lobby").Emit("joined", s.ID()) // reaches the lobby on every node
	})
	log.Fatal(http.ListenAndServe(":3000", io))
}
