package gctune_test

import (
	"net/http"

	"github.com/duplexio/duplex/gctune"
	"github.com/duplexio/duplex/socketio"
)

// A server that embeds Duplex applies the duplex binary's collector policy
// for as long as it runs.
func Example() {
	defer gctune.Start(gctune.Default)()

	io := socketio.NewServer(nil)
	defer io.Close()
	http.Handle("/socket.io/", io)
	// http.ListenAndServe(":3000", nil)
}
