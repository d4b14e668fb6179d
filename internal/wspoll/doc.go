// Package wspoll reads the WebSocket frames of many server-side
// connections with one epoll instance, so that an idle connection costs
// no goroutine and no read buffer: only a small [Conn] and what the kernel
// holds for the socket.
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
// Only the read side is handled: writing frames stays the caller's
// business, except for the close frame wspoll writes when it fails a
// connection, which it writes under the caller's write lock.
//
// Connections are read through syscall.RawConn, never net.Conn.Read, so
// the Go runtime's poller never parks a goroutine for them and the
// net.Conn keeps working for writes, write deadlines and Close. Callers
// must close a connection with [Conn.Close], not by closing the net.Conn:
// the kernel drops a closed socket from the epoll set silently, so wspoll
// would only notice at the next [Poller.Close].
//
// wspoll is Linux only; elsewhere [NewPoller] returns an error wrapping
// errors.ErrUnsupported, as [Poller.Add] does for connections it cannot
// poll (e.g. *tls.Conn), and the caller falls back to a goroutine reader.
package wspoll
