package engineio

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
)

// Close reasons, named as Node's engine.io names them. The layer above sees
// one of these in Receiver.OnClose.
const (
	ReasonTransportClose = "transport close"
	ReasonTransportError = "transport error"
	ReasonPingTimeout    = "ping timeout"
	ReasonParseError     = "parse error"
	ReasonForcedClose    = "forced close"
	ReasonServerShutdown = "server shutting down"
)

var (
	// ErrClosed is returned when writing to a session that is closed.
	ErrClosed = errors.New("engineio: session closed")
	// ErrQueueFull is the error given with ReasonTransportError when a client
	// reads too slowly and its write queue overflows.
	ErrQueueFull = errors.New("engineio: write queue full (slow client)")
	// ErrPayloadTooLarge is given when a client sends more than MaxHTTPBufferSize.
	ErrPayloadTooLarge = errors.New("engineio: payload too large")
	// ErrPollOverlap is given when a client sends a second poll request
	// while one is still pending.
	ErrPollOverlap = errors.New("engineio: overlapping poll requests")
)

// Error codes of the HTTP answers, as Node's engine.io numbers them. The body
// of such an answer is {"code":N,"message":"..."}.
const (
	CodeUnknownTransport   = 0
	CodeUnknownSID         = 1
	CodeBadHandshakeMethod = 2
	CodeBadRequest         = 3
	CodeForbidden          = 4
	CodeUnsupportedVersion = 5
)

var codeMessages = [...]string{
	CodeUnknownTransport:   "Transport unknown",
	CodeUnknownSID:         "Session ID unknown",
	CodeBadHandshakeMethod: "Bad handshake method",
	CodeBadRequest:         "Bad request",
	CodeForbidden:          "Forbidden",
	CodeUnsupportedVersion: "Unsupported protocol version",
}

// RequestError is an HTTP refusal with its engine.io code. AllowRequest may
// return one to choose the status and message; any other error is answered
// as 403 Forbidden with the error's text.
type RequestError struct {
	Status  int    // HTTP status; 400 when zero
	Code    int    // engine.io error code
	Message string // defaults to the code's standard message

	cause string // for the Observer: a Refused constant
}

func (e *RequestError) Error() string { return "engineio: " + e.message() }

func (e *RequestError) message() string {
	if e.Message != "" {
		return e.Message
	}
	if e.Code >= 0 && e.Code < len(codeMessages) {
		return codeMessages[e.Code]
	}
	return "Bad request"
}

func requestError(code int) *RequestError {
	status := http.StatusBadRequest
	if code == CodeForbidden {
		status = http.StatusForbidden
	}
	return &RequestError{Status: status, Code: code}
}

// refusedFor is requestError(code) with the cause the Observer is told.
func refusedFor(cause string, code int) *RequestError {
	e := requestError(code)
	e.cause = cause
	return e
}

// writeError answers like Node's engine.io abortRequest: a JSON body with the
// code and message.
func writeError(w http.ResponseWriter, e *RequestError) {
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	body, _ := json.Marshal(struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}{e.Code, e.message()})
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
