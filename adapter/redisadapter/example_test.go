package redisadapter_test

import (
	"log"
	"net/http"
	"time"

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

// A node in streams mode, wire-compatible with Node's
// @socket.io/redis-streams-adapter: with connection state recovery on, a
// client that loses its node recovers on any other (or on this one after a
// restart) with its id, rooms, data and the broadcasts it missed.
func ExampleNew_streams() {
	client, err := redisadapter.Dial("redis://redis.internal:6379/0")
	if err != nil {
		log.Fatal(err)
	}
	broker := redisadapter.New(client, &redisadapter.Options{
		Mode:         redisadapter.ModeStreams, // stream "socket.io", MAXLEN ~ 10000
		KeepSessions: 15 * time.Second,         // so that a killed node's clients recover too
	})
	io := socketio.NewServer(&socketio.Options{
		Adapter:                 broker.Adapter,
		ConnectionStateRecovery: &socketio.RecoveryOptions{MaxDisconnectionDuration: 2 * time.Minute},
	})
	defer func() {
		_ = io.Close()
		_ = broker.Close()
		_ = client.Close()
	}()
	io.Of("/").OnConnection(func(s *socketio.Socket) {
		if s.Recovered() {
			return // same id, rooms and data as before; missed packets replayed
		}
		s.Join("lobby")
	})
	log.Fatal(http.ListenAndServe(":3000", io))
}
