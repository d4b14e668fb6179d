package redisadapter

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/duplexio/duplex/adapter"
)

// wireSocket is a socket in a fetchSockets answer, as Node writes it: the
// handshake as Node has it (header and query values may be arrays).
type wireSocket struct {
	ID        string          `json:"id"`
	Handshake json.RawMessage `json:"handshake"`
	Rooms     []any           `json:"rooms"`
	Data      json.RawMessage `json:"data"`
}

func toWireSocket(s adapter.SocketInfo) wireSocket {
	w := wireSocket{ID: s.ID, Rooms: make([]any, 0, len(s.Rooms))}
	for _, r := range s.Rooms {
		w.Rooms = append(w.Rooms, r)
	}
	w.Handshake, _ = json.Marshal(s.Handshake)
	var err error
	if w.Data, err = json.Marshal(s.Data); err != nil {
		w.Data = json.RawMessage("null")
	}
	return w
}

func fromWireSockets(ws []wireSocket) []adapter.SocketInfo {
	out := make([]adapter.SocketInfo, 0, len(ws))
	for _, w := range ws {
		info := adapter.SocketInfo{ID: w.ID, Rooms: roomList(w.Rooms), Handshake: decodeHandshake(w.Handshake)}
		if len(w.Data) > 0 {
			_ = json.Unmarshal(w.Data, &info.Data)
		}
		out = append(out, info)
	}
	return out
}

// decodeHandshake reads Node's socket.handshake, whose headers and query
// may hold arrays where adapter.Handshake has strings: they are joined
// with ", " as Go joins repeated headers.
func decodeHandshake(raw json.RawMessage) *adapter.Handshake {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var h struct {
		adapter.Handshake
		Headers map[string]any `json:"headers"`
		Query   map[string]any `json:"query"`
		Issued  float64        `json:"issued"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		return nil
	}
	out := h.Handshake
	out.Headers, out.Query, out.Issued = flatten(h.Headers), flatten(h.Query), int64(h.Issued)
	return &out
}

func flatten(m map[string]any) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		switch v := v.(type) {
		case string:
			out[k] = v
		case []any:
			parts := make([]string, len(v))
			for i, p := range v {
				parts[i] = fmt.Sprint(p)
			}
			out[k] = strings.Join(parts, ", ")
		default:
			out[k] = fmt.Sprint(v)
		}
	}
	return out
}
