package socketio_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"time"

	"github.com/duplexio/duplex/client"
	"github.com/duplexio/duplex/socketio"
)

// Work a handler starts can be bound to the socket: its context ends when
// the client disconnects.
func ExampleSocket_Context() {
	server := socketio.NewServer(nil)
	stopped := make(chan error, 1)
	server.OnConnection(func(s *socketio.Socket) {
		s.On("subscribe", func(topic string, ack socketio.AckFunc) {
			ctx := s.Context()
			defer ack("subscribed")
			go func() {
				ticker := time.NewTicker(time.Second)
				defer ticker.Stop()
				for {
					select {
					case <-ticker.C:
						_ = s.Emit("update", topic)
					case <-ctx.Done():
						stopped <- context.Cause(ctx)
						return
					}
				}
			}()
		})
	})
	web := httptest.NewServer(server)
	defer web.Close()
	defer server.Close()

	c, err := client.Dial(context.Background(), web.URL, nil)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := c.Timeout(5*time.Second).EmitWithAck(context.Background(), "subscribe", "news"); err != nil {
		log.Fatal(err)
	}
	_ = c.Close()
	fmt.Println(<-stopped)
	// Output: socketio: socket disconnected: client namespace disconnect
}

// A handler with an error parameter after its data parameters is called
// even when the arguments do not fit, and answers the client itself.
// Without one, the handler is skipped and a client that asked for an
// acknowledgement gets {"error": "..."}.
func ExampleSocket_On_argumentErrors() {
	type Message struct {
		Room string `json:"room"`
		Text string `json:"text"`
	}
	server := socketio.NewServer(nil)
	server.OnConnection(func(s *socketio.Socket) {
		s.On("message", func(m Message, err error, ack socketio.AckFunc) {
			if err != nil {
				ack(map[string]string{"error": "a message is {room, text}"})
				return
			}
			ack("delivered")
		})
		s.On("join", func(room string, ack socketio.AckFunc) { s.Join(room); ack("joined") })
	})
	web := httptest.NewServer(server)
	defer web.Close()
	defer server.Close()

	c, err := client.Dial(context.Background(), web.URL, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	for _, call := range [][]any{{"message", "hello"}, {"join", 42}, {"join"}} {
		answer, err := c.Timeout(5*time.Second).EmitWithAck(context.Background(), call[0].(string), call[1:]...)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(string(answer.Raw(0)))
	}
	// Output:
	// {"error":"a message is {room, text}"}
	// {"error":"invalid argument 0: want string"}
	// {"error":"missing argument 0: want string"}
}

// DecodeJSON reads JSON the way typed handlers do: keys match struct
// fields exactly, as in JavaScript.
func ExampleDecodeJSON() {
	var auth struct {
		Token string `json:"token"`
	}
	err := socketio.DecodeJSON([]byte(`{"token":"abc","TOKEN":"forged"}`), &auth)
	fmt.Println(auth.Token, err)
	// Output: abc <nil>
}
