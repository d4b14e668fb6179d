package engineio_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"

	"github.com/duplexio/duplex/client/engineio"
	server "github.com/duplexio/duplex/engineio"
)

// echo is a server that writes every message back.
type echo struct{ s *server.Session }

func (e echo) OnMessage(data []byte, binary bool) {
	_ = e.s.Write(server.Message{Data: append([]byte(nil), data...), Binary: binary})
}

func (echo) OnClose(string, error) {}

// printer is a Handler that prints what it receives.
type printer struct{ got chan struct{} }

func (p printer) OnMessage(_ *engineio.Conn, data []byte, binary bool) {
	fmt.Printf("received %q (binary %v)\n", data, binary)
	p.got <- struct{}{}
}

func (printer) OnClose(_ *engineio.Conn, reason string, err error) {
	fmt.Println("closed:", reason)
}

// A connection to an echo server: a message out and its echo back.
func ExampleDial() {
	srv := server.NewServer(nil, func(s *server.Session) server.Receiver { return echo{s} })
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Shutdown(context.Background())

	u, _ := url.Parse(ts.URL + "/engine.io/")
	h := printer{got: make(chan struct{})}
	ctx := context.Background()
	c, err := engineio.Dial(ctx, &engineio.Config{URL: u}, h)
	if err != nil {
		panic(err)
	}
	if err := c.Write(engineio.Message{Data: []byte("hello")}); err != nil {
		panic(err)
	}
	<-h.got
	c.Close(ctx)
	c.Wait()
	// Output:
	// received "hello" (binary false)
	// closed: forced close
}
