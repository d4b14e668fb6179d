package websocket

import (
	"errors"
	"fmt"
)

// Close codes of RFC 6455 section 7.4.1 (and IANA's registry, 1013) that
// this package sends or reports.
const (
	CodeNormal        = 1000
	CodeGoingAway     = 1001
	CodeProtocolError = 1002
	CodeNoStatus      = 1005 // reported when the peer's close frame had no code; never sent
	CodeInvalidData   = 1007
	CodeTooBig        = 1009
	CodeTryAgainLater = 1013 // sent when the server refuses a session (engineio at MaxConnections)
)

// ErrPollerClosed is returned by [Poller.Add] once [Poller.Close] has
// begun.
var ErrPollerClosed = errors.New("websocket: poller closed")

// CloseError is what OnClose receives when the peer sent a close frame.
// The reader has answered it with a close frame echoing Code (or an empty one
// when the peer sent no code, in which case Code is [CodeNoStatus]).
type CloseError struct {
	Code   int
	Reason string
}

func (e *CloseError) Error() string {
	if e.Reason == "" {
		return fmt.Sprintf("websocket: peer closed the connection (%d)", e.Code)
	}
	return fmt.Sprintf("websocket: peer closed the connection (%d %s)", e.Code, e.Reason)
}

// FrameError is what OnClose receives when the poller failed the connection
// because of what the peer sent: a protocol error ([CodeProtocolError]), a
// message over Options.MaxPayload ([CodeTooBig]) or invalid UTF-8
// ([CodeInvalidData]). The poller has sent a close frame with Code and Text
// before closing the connection.
type FrameError struct {
	Code int
	Text string // e.g. "websocket: message too large"
}

func (e *FrameError) Error() string { return fmt.Sprintf("%s (close %d)", e.Text, e.Code) }

// Frame errors are values, not allocated per failure: a misbehaving peer
// costs nothing to reject.
var (
	errRSV            = &FrameError{CodeProtocolError, "websocket: reserved bits set"}
	errOpcode         = &FrameError{CodeProtocolError, "websocket: unknown opcode"}
	errUnmasked       = &FrameError{CodeProtocolError, "websocket: unmasked client frame"}
	errMasked         = &FrameError{CodeProtocolError, "websocket: masked server frame"}
	errLength         = &FrameError{CodeProtocolError, "websocket: invalid payload length"}
	errFragControl    = &FrameError{CodeProtocolError, "websocket: fragmented control frame"}
	errLongControl    = &FrameError{CodeProtocolError, "websocket: control frame over 125 bytes"}
	errContinuation   = &FrameError{CodeProtocolError, "websocket: continuation frame without a message"}
	errExpectContinue = &FrameError{CodeProtocolError, "websocket: new message inside a fragmented one"}
	errCloseCode      = &FrameError{CodeProtocolError, "websocket: invalid close code"}
	errCloseLen       = &FrameError{CodeProtocolError, "websocket: close frame of 1 byte"}
	errTooBig         = &FrameError{CodeTooBig, "websocket: message too large"}
	errUTF8           = &FrameError{CodeInvalidData, "websocket: invalid UTF-8 in text message"}
	errCloseUTF8      = &FrameError{CodeInvalidData, "websocket: invalid UTF-8 in close reason"}
)
