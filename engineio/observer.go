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
	// HandshakeRefused is called for each handshake answered with an
	// error, and for each request refused before it could reach a session
	// (for its header's size or its transport), with the cause (a Refused
	// constant) and the answer. A request that net/http refuses itself
	// never reaches the Server: a header past http.Server.MaxHeaderBytes
	// (plus net/http's 4 KiB of slack) is answered 431 without a call.
	HandshakeRefused(cause string, e *RequestError)
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

// The causes of refused handshakes an Observer is told, fixed strings that
// can be metric labels.
const (
	RefusedHeaderTooLarge = "header_too_large"    // 431: over Options.MaxHeaderBytes
	RefusedTransport      = "unknown_transport"   // a transport not in Options.Transports
	RefusedNotUpgrade     = "not_upgrade"         // transport=websocket without Upgrade: websocket
	RefusedMethod         = "bad_method"          // a handshake that is not a GET
	RefusedOrigin         = "origin"              // a WebSocket from an origin CORS does not allow
	RefusedByAllowRequest = "allow_request"       // Options.AllowRequest said no
	RefusedVersion        = "unsupported_version" // EIO is not 4
	RefusedMaxConnections = "max_connections"     // Options.MaxConnections sessions open
	RefusedShuttingDown   = "shutting_down"       // after Shutdown began
	RefusedWebSocket      = "websocket_handshake" // the WebSocket handshake itself was invalid (400)
)

func messagesBytes(msgs []Message) int {
	n := 0
	for _, m := range msgs {
		n += len(m.Data)
	}
	return n
}
