package admin_test

import (
	"log"
	"net/http"

	"github.com/duplexio/duplex/admin"
	"github.com/duplexio/duplex/socketio"
)

// The admin UI's server side on a server of your own: the UI (the hosted
// https://admin.socket.io, or the page `duplex --admin` serves) connects to
// /admin with the user name and password whose bcrypt hash is given here.
func Example() {
	a, err := admin.New(&admin.Options{
		Auth: &admin.BasicAuth{
			Username:     "admin",
			PasswordHash: "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	opts := &socketio.Options{}
	a.Instrument(opts) // before NewServer: the admin hears of every socket
	io := socketio.NewServer(opts)
	a.Start(io) // the /admin namespace, and server_stats every 2 s
	defer a.Close()

	http.Handle("/socket.io/", io)
	// log.Fatal(http.ListenAndServe(":3000", nil))
}
