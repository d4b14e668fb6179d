package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/duplexio/duplex/socketio"
)

// socketBody is one socket in GET /api/v1/sockets.
type socketBody struct {
	ID      string          `json:"id"`
	Rooms   []string        `json:"rooms"`
	Data    json.RawMessage `json:"data"`
	Address string          `json:"address"`
}

type socketsBody struct {
	Sockets []socketBody `json:"sockets"`
}

// sockets lists the selected sockets of every node, sorted by id so that
// the answer does not depend on which node answered first.
func (h *Handler) sockets(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for k := range q {
		if k != "namespace" && k != "room" && k != "except" {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("unknown query parameter %q: want namespace, room, except", k))
			return
		}
	}
	if len(q["namespace"]) > 1 {
		writeError(w, http.StatusBadRequest, "namespace given more than once")
		return
	}
	op, ok := h.operator(w, &selector{Namespace: q.Get("namespace"), Rooms: q["room"], Except: q["except"]})
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.opts.RequestTimeout)
	defer cancel()
	remote, err := op.FetchSockets(ctx)
	if err != nil {
		h.writeOpError(w, "fetching sockets", err)
		return
	}
	out := socketsBody{Sockets: make([]socketBody, 0, len(remote))}
	for _, s := range remote {
		b := socketBody{ID: s.ID, Rooms: slices.Sorted(slices.Values(s.Rooms)), Data: jsonOrNull(s.Data)}
		if b.Rooms == nil {
			b.Rooms = []string{}
		}
		if s.Handshake != nil {
			b.Address = s.Handshake.Address
		}
		out.Sockets = append(out.Sockets, b)
	}
	slices.SortFunc(out.Sockets, func(a, b socketBody) int { return strings.Compare(a.ID, b.ID) })
	writeJSON(w, http.StatusOK, out)
}

// jsonOrNull is v's JSON, or null when v (a local socket's Data, any Go
// value) has none.
func jsonOrNull(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return json.RawMessage("null")
	}
	return b
}

type joinRequest struct {
	selector
	Join []string `json:"join"`
}

type leaveRequest struct {
	selector
	Leave []string `json:"leave"`
}

type disconnectRequest struct {
	selector
	// Close also closes the clients' connections (all their namespaces).
	Close bool `json:"close"`
}

func (h *Handler) join(w http.ResponseWriter, r *http.Request) {
	var req joinRequest
	if op, ok := h.decodeSelected(w, r, &req, &req.selector); ok {
		if len(req.Join) == 0 {
			writeError(w, http.StatusBadRequest, `"join" must name at least one room`)
			return
		}
		op.SocketsJoin(req.Join...)
		writeJSON(w, http.StatusOK, okBody{OK: true})
	}
}

func (h *Handler) leave(w http.ResponseWriter, r *http.Request) {
	var req leaveRequest
	if op, ok := h.decodeSelected(w, r, &req, &req.selector); ok {
		if len(req.Leave) == 0 {
			writeError(w, http.StatusBadRequest, `"leave" must name at least one room`)
			return
		}
		op.SocketsLeave(req.Leave...)
		writeJSON(w, http.StatusOK, okBody{OK: true})
	}
}

func (h *Handler) disconnect(w http.ResponseWriter, r *http.Request) {
	var req disconnectRequest
	if op, ok := h.decodeSelected(w, r, &req, &req.selector); ok {
		op.DisconnectSockets(req.Close)
		writeJSON(w, http.StatusOK, okBody{OK: true})
	}
}

// decodeSelected decodes the body into req, whose selector is sel, and
// returns sel's operator; on failure it has written the error.
func (h *Handler) decodeSelected(w http.ResponseWriter, r *http.Request, req any, sel *selector) (*socketio.BroadcastOperator, bool) {
	if e := decodeBody(w, r, h.opts.MaxBodyBytes, req); e != nil {
		writeError(w, e.status, e.msg)
		return nil, false
	}
	return h.operator(w, sel)
}
