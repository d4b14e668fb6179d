package engineio_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/duplexio/duplex/engineio"
)

// echoReceiver writes every message back to its session.
type echoReceiver struct{ s *engineio.Session }

func (e echoReceiver) OnMessage(data []byte, binary bool) {
	// data is only valid during the call: Write keeps it, so copy it.
	_ = e.s.Write(engineio.Message{Data: append([]byte(nil), data...), Binary: binary})
}

func (echoReceiver) OnClose(reason string, err error) {}

// An echo server, driven by hand over HTTP long-polling: the handshake, a
// POST with two messages, and the poll that returns their echo.
func ExampleNewServer() {
	srv := engineio.NewServer(nil, func(s *engineio.Session) engineio.Receiver {
		return echoReceiver{s}
	})
	ts := httptest.NewServer(srv) // or http.Handle("/engine.io/", srv)
	defer ts.Close()
	defer srv.Shutdown(context.Background())

	get := func(url string) string {
		resp, err := http.Get(url)
		if err != nil {
			panic(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	open := get(ts.URL + "/engine.io/?EIO=4&transport=polling")
	sid := open[len(`0{"sid":"`):][:20]
	url := ts.URL + "/engine.io/?EIO=4&transport=polling&sid=" + sid

	resp, err := http.Post(url, "text/plain", strings.NewReader("4hello\x1ebAQID"))
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Printf("%q\n", get(url))
	// Output: "4hello\x1ebAQID"
}

// Refusing handshakes: AllowRequest sees each handshake request; a
// *RequestError chooses the answer.
func ExampleOptions_allowRequest() {
	srv := engineio.NewServer(&engineio.Options{
		AllowRequest: func(r *http.Request) error {
			if r.Header.Get("Authorization") == "" {
				return &engineio.RequestError{Status: http.StatusUnauthorized, Code: engineio.CodeForbidden, Message: "Authorization required"}
			}
			return nil
		},
	}, func(s *engineio.Session) engineio.Receiver { return echoReceiver{s} })
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Shutdown(context.Background())

	resp, err := http.Get(ts.URL + "/engine.io/?EIO=4&transport=polling")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	// Output: 401 {"code":4,"message":"Authorization required"}
}

// Bounding request headers: the engine refuses those over MaxHeaderBytes
// with 431, and the http.Server in front gets the same bound, so that it
// does not read a megabyte of header first.
func ExampleOptions_maxHeaderBytes() {
	srv := engineio.NewServer(&engineio.Options{MaxHeaderBytes: 4 << 10}, func(s *engineio.Session) engineio.Receiver {
		return echoReceiver{s}
	})
	ts := httptest.NewUnstartedServer(srv)
	ts.Config.MaxHeaderBytes = srv.Options().MaxHeaderBytes // in a program: http.Server{MaxHeaderBytes: ...}
	ts.Start()
	defer ts.Close()
	defer srv.Shutdown(context.Background())

	req, _ := http.NewRequest("GET", ts.URL+"/engine.io/?EIO=4&transport=polling", nil)
	req.Header.Set("Cookie", strings.Repeat("c", 5000))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	// Output: 431 {"code":3,"message":"Request header fields too large"}
}
