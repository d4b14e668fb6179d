package wspoll

import (
	"errors"
	"fmt"
)

// Close codes of RFC 6455 section 7.4.1 that wspoll sends or reports.
const (
	CodeNormal        = 1000
	CodeGoingAway     = 1001
	CodeProtocolError = 1002
	CodeNoStatus      = 1005 // reported when the peer's close frame had no code; never sent
	CodeInvalidData   = 1007
	CodeTooBig        = 1009
)

// ErrPollerClosed is returned by [Poller.Add] once [Poller.Close] has
// begun.
var ErrPollerClosed = errors.New("wspoll: poller closed")

// CloseError is what OnClose receives when the peer sent a close frame.
// wspoll has answered it with a close frame echoing Code (or an empty one
// when the peer sent no code, in which case Code is [CodeNoStatus]).
type CloseError struct {
	Code   int
	Reason string
}

func (e *CloseError) Error() string {
	if e.Reason == "" {
		return fmt.Sprintf("wspoll: peer closed the connection (%d)", e.Code)
	}
	return fmt.Sprintf("wspoll: peer closed the connection (%d %s)", e.Code, e.Reason)
}

// FrameError is what OnClose receives when wspoll failed the connection
// because of what the peer sent: a protocol error ([CodeProtocolError]), a
// message over Options.MaxPayload ([CodeTooBig]) or invalid UTF-8
// ([CodeInvalidData]). wspoll has sent a close frame with Code and Text
// before closing the connection.
type FrameError struct {
	Code int
	Text string // e.g. "wspoll: message too large"
}

func (e *FrameError) Error() string { return fmt.Sprintf("%s (close %d)", e.Text, e.Code) }

// Frame errors are values, not allocated per failure: a misbehaving peer
// costs nothing to reject.
var (
	errRSV            = &FrameError{CodeProtocolError, "wspoll: reserved bits set"}
	errOpcode         = &FrameError{CodeProtocolError, "wspoll: unknown opcode"}
	errUnmasked       = &FrameError{CodeProtocolError, "wspoll: unmasked client frame"}
	errMasked         = &FrameError{CodeProtocolError, "wspoll: masked server frame"}
	errLength         = &FrameError{CodeProtocolError, "wspoll: invalid payload length"}
	errFragControl    = &FrameError{CodeProtocolError, "wspoll: fragmented control frame"}
	errLongControl    = &FrameError{CodeProtocolError, "wspoll: control frame over 125 bytes"}
	errContinuation   = &FrameError{CodeProtocolError, "wspoll: continuation frame without a message"}
	errExpectContinue = &FrameError{CodeProtocolError, "wspoll: new message inside a fragmented one"}
	errCloseCode      = &FrameError{CodeProtocolError, "wspoll: invalid close code"}
	errCloseLen       = &FrameError{CodeProtocolError, "wspoll: close frame of 1 byte"}
	errTooBig         = &FrameError{CodeTooBig, "wspoll: message too large"}
	errUTF8           = &FrameError{CodeInvalidData, "wspoll: invalid UTF-8 in text message"}
	errCloseUTF8      = &FrameError{CodeInvalidData, "wspoll: invalid UTF-8 in close reason"}
)
