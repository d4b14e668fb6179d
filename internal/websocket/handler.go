package websocket

// Handler receives the messages of one connection. Its methods for one
// connection are never called concurrently, and in order of arrival.
// They run on the worker reading the connection (or, for
// ConnOptions.Buffered, on the goroutine calling Add): they may take locks
// and do some work, but a call that blocks holds a worker and delays the
// connection's next messages, and Poller.Close waits for it. Work that
// may block belongs in PollConn.Defer.
type Handler interface {
	// OnMessage receives a complete (reassembled) message. data is only
	// valid during the call. Text messages are valid UTF-8.
	OnMessage(data []byte, binary bool)

	// OnPing receives a ping's payload (valid during the call). A Conn
	// has written the pong already; on a PollConn the caller writes it.
	// Pongs are ignored.
	OnPing(payload []byte)

	// OnClose is called exactly once per connection, after its last
	// OnMessage, whoever closed it. err is a *CloseError for a close
	// frame from the peer (on both read paths), a *FrameError when the
	// poller failed the connection (gws's own error on the goroutine
	// path, after gws sent the close frame), io.EOF for a TCP close
	// between messages (io.ErrUnexpectedEOF inside one), net.ErrClosed
	// after Close or Poller.Close, else the read error.
	OnClose(err error)
}
