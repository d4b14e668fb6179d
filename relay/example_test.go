package relay_test

import (
	"log"
	"net/http"

	"github.com/duplexio/duplex/adapter/redisadapter"
	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/relay"
	"github.com/duplexio/duplex/socketio"
)

// A cluster node on Redis to which a round-robin balancer may send any
// request: the relay announces the node on the same Redis and forwards the
// requests of other nodes' sessions to them.
func Example() {
	client, err := redisadapter.Dial("redis://redis.example:6379/0")
	if err != nil {
		log.Fatal(err)
	}
	b := redisadapter.New(client, nil)
	r := relay.New(relay.RedisBus(client, "duplex-relay#socket.io"), nil)
	io := socketio.NewServer(&socketio.Options{Adapter: b.Adapter, Engine: engineio.Options{Router: r}})
	if err := r.Start("10.0.0.5:3000"); err != nil { // where the other nodes reach this one
		log.Fatal(err)
	}
	http.Handle("/socket.io/", io)
	log.Fatal(http.ListenAndServe(":3000", nil))
}
