package socketio_test

import (
	"fmt"

	"github.com/duplexio/duplex/socketio"
)

// A server for clients created with
// io(url, { parser: require("socket.io-msgpack-parser") }).
func ExampleParser() {
	p, err := socketio.ParseParser("msgpack") // from a flag, say
	if err != nil {
		panic(err)
	}
	io := socketio.NewServer(&socketio.Options{Parser: p})
	defer io.Close()
	fmt.Println(p)
	// Output: msgpack
}
