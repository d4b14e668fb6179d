// Package websocket owns the server's WebSocket I/O: the handshake, the
// reads on both of its paths, the frame writes and the close frames, so
// that engineio's WebSocket transport only speaks Engine.IO. Its owner
// sees one type, [Conn], from [Server.Upgrade], and gives it a [Handler]:
//
//	c, err := srv.Upgrade(w, r)  // gws's handshake; a bad one is answered 400
//	c.Serve(h)                   // reads: h.OnMessage ... h.OnClose, once
//	c.TryWrite(frames)           // non-blocking, the rest kept for Write/Flush
//	c.Write(frames)              // blocking, up to the write deadline
//	c.Pause(); c.Resume()        // flow control, on both read paths
//	c.WriteClose(code, reason); c.Close()
//
// Files by concern: server.go (Server, Upgrade, the poller's lifetime),
// conn.go (Conn: Serve, Pause/Resume, Defer, Close), write.go (frames and
// writes), fallback.go (the goroutine reader), poller_linux.go and
// conn_linux.go (the epoll reader, [Poller] and [PollConn]), frame.go (its
// frame parser), errors.go (close codes, [CloseError], [FrameError]).
//
// # Libraries
//
// github.com/lxzan/gws does what a library does well: the handshake
// (its Upgrader) and the goroutine reader with its frame parser. The epoll
// reader and the writes are ours, for reasons measured below.
//
// # Reading with epoll
//
// The usual Go design (one goroutine per connection blocked in Read, with
// a bufio.Reader) keeps a stack of 4-8 KiB and a 4 KiB buffer per idle
// connection, which dominates the memory of a server holding many mostly
// idle WebSockets. Here one goroutine waits in epoll_wait and hands each
// readable connection to a pool of warm workers (their stacks are grown
// once and reused, which measured cheaper than a goroutine per event). A
// worker reads what the socket holds into its own buffer, delivers every
// complete message and keeps only the bytes of an incomplete frame. The
// registration is edge-triggered: an event for a connection being read
// only tells its reader to read once more, so one connection is read by
// one worker at a time and its messages arrive in order.
//
// A handler that has work which may block (a Socket.IO handler may wait
// for its client's next message) defers it with [Conn.Defer]: the worker
// runs it once it has let the connection go, outside the pool, so that
// another worker reads that next message.
//
// A handler that cannot keep up pauses its connection ([Conn.Pause]):
// its bytes then stay in the kernel and TCP flow control slows the peer,
// instead of its messages taking memory; [Conn.Resume] reads again,
// itself, since an edge-triggered registration reports no data that came
// while paused a second time.
//
// Connections are read through syscall.RawConn, never net.Conn.Read, so
// the Go runtime's poller never parks a goroutine for them and the
// net.Conn keeps working for writes, write deadlines and Close. Callers
// must close a connection with [Conn.Close] (or [PollConn.Close]), not by
// closing the net.Conn: the kernel drops a closed socket from the epoll
// set silently, so the poller would only notice at the next
// [Poller.Close].
//
// # The goroutine reader
//
// The poller is Linux only; elsewhere [NewPoller] returns an error
// wrapping errors.ErrUnsupported, as [Poller.Add] does for connections it
// cannot poll (e.g. *tls.Conn). Such a connection is read by gws on a
// goroutine of its own, with the same [Handler] contract: the same errors
// in OnClose, Pause holding the next message back, the close frames.
//
// # Writing
//
// Writes are the owner's batches of frames (write.go): one buffer and one
// system call for many messages, on the caller's goroutine when the
// socket takes them at once. Every write, and the close frame the poller
// sends when it fails a connection, holds one lock per connection.
//
// [Poller] and [PollConn] are also usable alone, for client ends
// (Options.Client): the load generator reads its connections with them.
package websocket
