// Package emitter is the event-emitter bookkeeping that the server's
// sockets (package socketio) and the client's (package client) share: the
// listeners registered per event name (On, Once, Off, OnAny, OnError) and
// the table of acknowledgements a socket waits for. Each side keeps its own
// public methods and documented semantics on top, and its own locking:
// Listeners is guarded by the socket's mutex, which guards the state read
// with it; Acks has its own.
package emitter
