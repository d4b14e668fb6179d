package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/duplexio/duplex/socketio"
)

// selector picks sockets as io.of(namespace).to(rooms).except(except).
type selector struct {
	Namespace string   `json:"namespace"`
	Rooms     []string `json:"rooms"`
	Except    []string `json:"except"`
}

// operator returns the broadcast operator of sel, or writes a 404 for an
// unknown namespace.
func (h *Handler) operator(w http.ResponseWriter, sel *selector) (*socketio.BroadcastOperator, bool) {
	ns, name, ok := h.namespace(sel.Namespace)
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("unknown namespace %q", name))
		return nil, false
	}
	return ns.To(sel.Rooms...).Except(sel.Except...), true
}

type emitRequest struct {
	selector
	Event string            `json:"event"`
	Args  []json.RawMessage `json:"args"`
	// TimeoutMS, when positive, makes the call wait that long for the
	// clients' acknowledgements and return them.
	TimeoutMS int64 `json:"timeout_ms"`
}

// emitAcksBody answers an emit with timeout_ms: each acknowledgement's
// arguments, and whether the timeout passed before every client answered.
type emitAcksBody struct {
	OK       bool              `json:"ok"`
	Acks     []json.RawMessage `json:"acks"`
	TimedOut bool              `json:"timed_out"`
}

func (h *Handler) emit(w http.ResponseWriter, r *http.Request) {
	var req emitRequest
	if e := decodeBody(w, r, h.opts.MaxBodyBytes, &req); e != nil {
		writeError(w, e.status, e.msg)
		return
	}
	if msg := h.checkEmit(&req); msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	op, ok := h.operator(w, &req.selector)
	if !ok {
		return
	}
	args := make([]any, len(req.Args))
	for i, a := range req.Args {
		args[i] = a
	}
	if req.TimeoutMS == 0 {
		if err := op.Emit(req.Event, args...); err != nil {
			h.writeOpError(w, "emit", err)
			return
		}
		writeJSON(w, http.StatusOK, okBody{OK: true})
		return
	}
	op = op.Timeout(time.Duration(req.TimeoutMS) * time.Millisecond)
	acks, err := op.EmitWithAck(r.Context(), req.Event, args...)
	timedOut := errors.Is(err, socketio.ErrAckTimeout)
	if err != nil && !timedOut {
		h.writeOpError(w, "emit", err)
		return
	}
	writeJSON(w, http.StatusOK, emitAcksBody{OK: true, Acks: ackValues(acks), TimedOut: timedOut})
}

// checkEmit returns what is wrong with req, or "".
func (h *Handler) checkEmit(req *emitRequest) string {
	max := h.opts.MaxAckTimeout.Milliseconds()
	switch {
	case req.Event == "":
		return `"event" is required`
	case req.TimeoutMS < 0 || req.TimeoutMS > max:
		return fmt.Sprintf(`"timeout_ms" must be between 0 (no acknowledgements) and %d`, max)
	}
	return ""
}

// ackValues encodes each acknowledgement's arguments as a JSON array; a
// binary argument becomes a base64 string, as encoding/json writes []byte.
func ackValues(acks []socketio.Args) []json.RawMessage {
	out := make([]json.RawMessage, 0, len(acks))
	for _, a := range acks {
		vals, err := a.Forward()
		if err != nil {
			continue // the parser checked the JSON; nothing to report but a gap
		}
		if vals == nil {
			vals = []any{}
		}
		b, err := json.Marshal(vals)
		if err != nil {
			continue
		}
		out = append(out, b)
	}
	return out
}

// writeOpError answers a failed server-side operation: the caller's fault
// (a reserved event name) is 400, a closing server 503, the rest 502 as a
// cluster that did not answer.
func (h *Handler) writeOpError(w http.ResponseWriter, op string, err error) {
	switch {
	case errors.Is(err, socketio.ErrReservedEvent):
		writeError(w, http.StatusBadRequest, "reserved event name: connect, connect_error, disconnect, disconnecting, newListener and removeListener cannot be emitted")
	case errors.Is(err, socketio.ErrServerClosed):
		writeError(w, http.StatusServiceUnavailable, "the server is shutting down")
	default:
		h.opts.Logger.Warn("httpapi: operation failed", "op", op, "err", err)
		writeError(w, http.StatusBadGateway, op+": "+err.Error())
	}
}
