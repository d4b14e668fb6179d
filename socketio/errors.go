package socketio

import (
	"encoding/json"
	"errors"
)

// Disconnect reasons, as Node's socket.io names them; a "disconnect"
// listener receives one of these or an engine reason (engineio.Reason*).
const (
	ReasonServerDisconnect = "server namespace disconnect"
	ReasonClientDisconnect = "client namespace disconnect"
	ReasonServerShutdown   = "server shutting down"
	ReasonForcedClose      = "forced server close"
)

var (
	// ErrDisconnected is returned by emits on a socket that is gone, and by
	// acknowledgement waits it cut short.
	ErrDisconnected = errors.New("socketio: socket disconnected")
	// ErrAckTimeout is returned (wrapped with the context's error) when
	// acknowledgements did not all arrive in time.
	ErrAckTimeout = errors.New("socketio: operation has timed out")
	// ErrReservedEvent is returned when emitting an event name the protocol
	// reserves (connect, connect_error, disconnect, disconnecting,
	// newListener, removeListener).
	ErrReservedEvent = errors.New("socketio: reserved event name")
)

var reservedEvents = map[string]bool{
	"connect": true, "connect_error": true, "disconnect": true,
	"disconnecting": true, "newListener": true, "removeListener": true,
}

// ConnectError refuses a connection to a namespace. Returned by a
// middleware, it reaches the client's connect_error listener with Message
// as err.message and Data as err.data. Any other error is sent with its
// text as the message.
type ConnectError struct {
	Message string
	Data    any
}

func (e *ConnectError) Error() string { return e.Message }

// payload is the CONNECT_ERROR packet data.
func (e *ConnectError) payload() json.RawMessage {
	b, err := json.Marshal(struct {
		Message string `json:"message"`
		Data    any    `json:"data,omitempty"`
	}{e.Message, e.Data})
	if err != nil {
		b, _ = json.Marshal(map[string]string{"message": e.Message})
	}
	return b
}

func toConnectError(err error) *ConnectError {
	var ce *ConnectError
	if errors.As(err, &ce) {
		return ce
	}
	return &ConnectError{Message: err.Error()}
}
