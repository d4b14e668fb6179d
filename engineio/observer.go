package engineio

// Observer is told what happens to the sessions of a Server, for metrics.
// Options.Observer nil (the default) means no calls at all: the hot path
// then pays one nil check per message.
//
// Its methods are called from the goroutines that serve the sessions, many
// at once (never under a session's lock): they must be safe for concurrent
// use and return quickly, as they delay the session that calls them. The calls for one session may reach the Observer out of order
// when they race (a close during an upgrade can be told before the
// upgrade): counters and gauges built from them are right once the session
// is gone.
type Observer interface {
	// SessionOpened is called when a session opens on transport.
	SessionOpened(transport string)
	// SessionClosed is called once per opened session with the transport it
	// was on, the close reason (a Reason constant) and its error;
	// ErrQueueFull means a slow consumer.
	SessionClosed(transport, reason string, err error)
	// HandshakeRefused is called for each handshake answered with an error.
	HandshakeRefused(e *RequestError)
	// Upgraded is called when a polling session moves onto a WebSocket
	// (ok), or when a probing WebSocket is dropped before it does (!ok).
	Upgraded(ok bool)
	// MessagesIn is called for each message a client sends, with its size.
	MessagesIn(n, bytes int)
	// MessagesOut is called for messages queued to a client, with their
	// total size.
	MessagesOut(n, bytes int)
	// MessagesDropped is called for volatile messages (WriteVolatile) that
	// an open session dropped because it could not send them at once.
	MessagesDropped(n int)
}

func messagesBytes(msgs []Message) int {
	n := 0
	for _, m := range msgs {
		n += len(m.Data)
	}
	return n
}
