package websocket

import (
	"sync"
	"time"
)

// Options configures a [Poller]. The zero value is usable.
type Options struct {
	// MaxPayload is the largest message accepted, counted over all the
	// frames of a fragmented message; a larger one fails the connection
	// with close code 1009 as soon as a frame header announces it, before
	// its payload is read. Default 1,000,000 bytes (engine.io's
	// maxHttpBufferSize).
	MaxPayload int

	// BufferSize is the read buffer of each worker. A read that fills it
	// is followed by another before the connection is re-armed. Default
	// 32 KiB.
	BufferSize int

	// IdleWorkerTimeout is how long a worker waits for a connection
	// before exiting (the last worker stays until Close). Default 3 s.
	IdleWorkerTimeout time.Duration

	// MaxWorkers bounds the workers reading at once; beyond it ready
	// connections wait for a worker. Default 1024.
	MaxWorkers int

	// Client means the connections are the client ends: frames from the
	// peer (a server) must not be masked (RFC 6455 section 5.1: a masked
	// server frame is a protocol error, failing the connection with close
	// code 1002), and the close frames the poller writes are masked, as every
	// client frame must be. Everything else is as in server mode.
	Client bool
}

func (o Options) withDefaults() Options {
	if o.MaxPayload <= 0 {
		o.MaxPayload = 1_000_000
	}
	if o.BufferSize <= 0 {
		o.BufferSize = 32 << 10
	}
	if o.BufferSize < 1024 {
		o.BufferSize = 1024
	}
	if o.IdleWorkerTimeout <= 0 {
		o.IdleWorkerTimeout = 3 * time.Second
	}
	if o.MaxWorkers <= 0 {
		o.MaxWorkers = 1024
	}
	return o
}

// ConnOptions configures one connection in [Poller.Add].
type ConnOptions struct {
	// WriteLock is held while the poller writes a close frame on the
	// connection, so that it never interleaves with the caller's writes:
	// pass the lock the caller's writer holds. Nil means the caller does
	// not write concurrently with the poller's close frames (e.g. tests).
	WriteLock sync.Locker

	// Paused adds the connection paused, as if PollConn.Pause had been called
	// first: nothing is delivered until PollConn.Resume.
	Paused bool

	// Buffered holds bytes already read from the connection after the
	// handshake (a hijacked bufio.Reader's buffered bytes); they are
	// parsed before anything read from the socket, on the goroutine
	// calling Add. the poller copies what it keeps.
	Buffered []byte
}
