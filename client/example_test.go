package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http/httptest"
	"time"

	"github.com/duplexio/duplex/client"
	"github.com/duplexio/duplex/socketio"
)

// newServer starts a Socket.IO server for the examples: it greets each
// client, echoes "echo" through the acknowledgement, and refuses
// "/admin" without the right token.
func newServer() (*httptest.Server, func()) {
	io := socketio.NewServer(nil)
	io.OnConnection(func(s *socketio.Socket) {
		_ = s.Emit("welcome", "hello", 1)
		s.On("echo", func(args socketio.Args, ack socketio.AckFunc) {
			v, _ := args.Values()
			ack(v...)
		})
	})
	io.Of("/admin").Use(func(*socketio.Socket) error {
		return &socketio.ConnectError{Message: "not authorized", Data: map[string]int{"code": 42}}
	})
	ts := httptest.NewServer(io)
	return ts, func() {
		_ = io.Close()
		ts.Close()
	}
}

func ExampleDial() {
	ts, stop := newServer()
	defer stop()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := client.Dial(ctx, ts.URL, &client.Options{
		Auth: map[string]string{"token": "secret"},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	ack, err := s.EmitWithAck(ctx, "echo", "ping", []byte{1, 2})
	if err != nil {
		log.Fatal(err)
	}
	var text string
	var bin []byte
	if err := ack.Scan(&text, &bin); err != nil {
		log.Fatal(err)
	}
	fmt.Println(text, bin)
	// Output: ping [1 2]
}

func ExampleDial_connectError() {
	ts, stop := newServer()
	defer stop()

	_, err := client.Dial(context.Background(), ts.URL+"/admin", nil)
	var ce *client.ConnectError
	if errors.As(err, &ce) {
		fmt.Println(ce.Message, string(ce.Data))
	}
	// Output: not authorized {"code":42}
}

func ExampleSocket_On() {
	ts, stop := newServer()
	defer stop()

	m, err := client.NewManager(ts.URL, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	s := m.Socket("/", nil)
	welcomed := make(chan struct{})
	// Handlers registered before Connect see the first events.
	s.On("welcome", func(greeting string, n int) {
		fmt.Println(greeting, n)
		close(welcomed)
	})
	if err := s.Connect(context.Background()); err != nil {
		log.Fatal(err)
	}
	<-welcomed
	// Output: hello 1
}

func ExampleSocket_EmitWithAck() {
	ts, stop := newServer()
	defer stop()
	s, err := client.Dial(context.Background(), ts.URL, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	// Wait at most a second for the server's answer.
	ack, err := s.Timeout(time.Second).EmitWithAck(context.Background(), "echo", map[string]int{"n": 7})
	if err != nil {
		log.Fatal(err)
	}
	var v struct {
		N int `json:"n"` // keys match exactly, as in JavaScript
	}
	if err := ack.Decode(0, &v); err != nil {
		log.Fatal(err)
	}
	fmt.Println(v.N)

	// An event the server does not acknowledge times out.
	_, err = s.Timeout(100*time.Millisecond).EmitWithAck(context.Background(), "unknown")
	fmt.Println(errors.Is(err, client.ErrAckTimeout))
	// Output:
	// 7
	// true
}

func ExampleSocket_Emit() {
	ts, stop := newServer()
	defer stop()
	s, err := client.Dial(context.Background(), ts.URL, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	done := make(chan struct{})
	// A trailing function is the acknowledgement callback; with a
	// Timeout it takes an error first.
	err = s.Timeout(time.Second).Emit("echo", "a", 1, func(err error, text string, n int) {
		fmt.Println(err, text, n)
		close(done)
	})
	if err != nil {
		log.Fatal(err)
	}
	<-done
	// Output: <nil> a 1
}

func ExampleManager() {
	ts, stop := newServer()
	defer stop()

	m, err := client.NewManager(ts.URL, &client.Options{
		Transports:        []string{client.TransportWebSocket},
		ReconnectionDelay: 100 * time.Millisecond,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	m.OnReconnect(func(attempt int) { fmt.Println("reconnected after", attempt, "attempt(s)") })

	// Two namespaces, one connection.
	root, admin := m.Socket("/", nil), m.Socket("/admin", nil)
	ctx := context.Background()
	fmt.Println(root.Connect(ctx))
	fmt.Println(admin.Connect(ctx))
	fmt.Println(m.Transport())
	// Output:
	// <nil>
	// client: connect_error on /admin: not authorized
	// websocket
}
