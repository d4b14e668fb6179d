// Package admin is the server side of the official Socket.IO admin UI
// (@socket.io/admin-ui 0.5.1, https://admin.socket.io): what Node's
// instrument(io, options) does, for a Duplex server.
//
// The UI connects to an admin namespace ("/admin" by default) of the server
// it watches. This package serves that namespace: authentication (a user
// name and a bcrypt hash, or none), the "config" it announces, the
// "server_stats" every node sends every 2 seconds, the development mode's
// socket, room and event notifications, and the UI's operations (emit,
// join, leave, disconnect), which act cluster-wide. docs/admin-ui.md holds
// the protocol facts it follows.
//
// Everything goes through the admin namespace's adapter, as in Node: on a
// cluster, one UI connected to any node sees the stats and sockets of every
// node, Go and Node alike, and Node's instrument() sees ours (tested on
// Redis with Node's @socket.io/redis-adapter).
//
//	a, err := admin.New(&admin.Options{Auth: &admin.BasicAuth{Username: "admin", PasswordHash: hash}})
//	opts := &socketio.Options{}
//	a.Instrument(opts)
//	io := socketio.NewServer(opts)
//	a.Start(io)
//	defer a.Close()
package admin
