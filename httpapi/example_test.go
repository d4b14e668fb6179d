package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/duplexio/duplex/client"
	"github.com/duplexio/duplex/httpapi"
	"github.com/duplexio/duplex/socketio"
)

// Mount the API beside Socket.IO; a backend then emits with one POST.
func ExampleNew() {
	srv := socketio.NewServer(nil)
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", srv)
	mux.Handle("/api/v1/", httpapi.New(srv, &httpapi.Options{Token: "s3cret"}))
	ts := httptest.NewServer(mux)
	defer ts.Close()
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := client.Dial(ctx, ts.URL, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	got := make(chan string, 1)
	s.On("news", func(text string) { got <- text })

	// What a backend in any language sends:
	req, _ := http.NewRequest("POST", ts.URL+"/api/v1/emit",
		strings.NewReader(`{"namespace":"/","event":"news","args":["hello from the backend"]}`))
	req.Header.Set("Authorization", "Bearer s3cret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Print(resp.Status, " ", string(body))
	fmt.Println(<-got)
	// Output:
	// 200 OK {"ok":true}
	// hello from the backend
}
