package client

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/duplexio/duplex/client/engineio"
	"github.com/duplexio/duplex/internal/typedfunc"
)

// Disconnect reasons, as socket.io-client names them: a "disconnect"
// listener receives one of these.
const (
	// ReasonServerDisconnect: the server disconnected the socket from its
	// namespace. The socket does not reconnect by itself.
	ReasonServerDisconnect = "io server disconnect"
	// ReasonClientDisconnect: Close was called.
	ReasonClientDisconnect = "io client disconnect"
	// ReasonPingTimeout: the server sent no ping within pingInterval +
	// pingTimeout.
	ReasonPingTimeout = engineio.ReasonPingTimeout
	// ReasonTransportClose: the server closed the connection, or it was
	// lost.
	ReasonTransportClose = engineio.ReasonTransportClose
	// ReasonTransportError: a request or a write failed.
	ReasonTransportError = engineio.ReasonTransportError
	// ReasonParseError: the server sent something undecodable.
	ReasonParseError = engineio.ReasonParseError
	// ReasonForcedClose: the Manager closed the connection.
	ReasonForcedClose = engineio.ReasonForcedClose
)

var (
	// ErrClosed is returned by the methods of a closed Manager and its
	// sockets.
	ErrClosed = errors.New("client: manager closed")
	// ErrDisconnected is returned by emits on a socket that is not
	// connected and cannot buffer, and by acknowledgement waits that the
	// end of the connection cut short.
	ErrDisconnected = errors.New("client: socket disconnected")
	// ErrAckTimeout is returned (wrapped with the context's error, if any)
	// when an acknowledgement did not arrive in time.
	ErrAckTimeout = errors.New("client: operation has timed out")
	// ErrBufferFull is returned by emits when the send buffer or the write
	// queue is full.
	ErrBufferFull = errors.New("client: send buffer full")
	// ErrReservedEvent is returned when emitting an event name the protocol
	// reserves (connect, connect_error, disconnect, disconnecting,
	// newListener, removeListener).
	ErrReservedEvent = errors.New("client: reserved event name")
)

var reservedEvents = map[string]bool{
	"connect": true, "connect_error": true, "disconnect": true,
	"disconnecting": true, "newListener": true, "removeListener": true,
}

// ConnectError is the server's refusal of a namespace connection (a
// CONNECT_ERROR packet): the message and data its middleware gave.
type ConnectError struct {
	Namespace string
	Message   string
	Data      json.RawMessage // nil when the server sent none
}

func (e *ConnectError) Error() string {
	return fmt.Sprintf("client: connect_error on %s: %s", e.Namespace, e.Message)
}

// parseConnectError reads a CONNECT_ERROR payload: {"message":..,"data":..}
// or, from older servers, a bare string.
func parseConnectError(nsp string, data json.RawMessage) *ConnectError {
	e := &ConnectError{Namespace: nsp}
	var body struct {
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data"`
	}
	if json.Unmarshal(data, &body) == nil && body.Message != "" {
		e.Message, e.Data = body.Message, body.Data
		return e
	}
	if json.Unmarshal(data, &e.Message) != nil {
		e.Message = string(data)
	}
	return e
}

// HTTPError is a handshake or polling request the server answered with a
// status other than 200 (or 101 for WebSocket). It is the Engine.IO
// layer's error, returned as is.
type HTTPError = engineio.HTTPError

// Args are the arguments of a received event or acknowledgement, kept in
// wire form until decoded with Decode, Scan or Values. They are the same
// type as the server's.
type Args = typedfunc.Args

// AckFunc answers the server's acknowledgement request: its arguments are
// sent back. Only the first call sends.
type AckFunc = typedfunc.AckFunc

// ArgError says an event's arguments did not fit the handler's parameters;
// the handler is not called then, and the error goes to the OnError
// listeners.
type ArgError = typedfunc.ArgError
