package redisadapter

import (
	"encoding/json"

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

// plain returns w as plain values, for encodings other than JSON.
func (w wireSocket) plain() map[string]any {
	hs, _ := adapter.DecodeJSONValue(w.Handshake)
	data, _ := adapter.DecodeJSONValue(w.Data)
	return map[string]any{"id": w.ID, "handshake": hs, "rooms": w.Rooms, "data": data}
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

// decodeHandshake reads Node's socket.handshake (see adapter.Handshake);
// a socket whose handshake does not parse is listed without one.
func decodeHandshake(raw json.RawMessage) *adapter.Handshake {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	h := new(adapter.Handshake)
	if err := json.Unmarshal(raw, h); err != nil {
		return nil
	}
	return h
}
