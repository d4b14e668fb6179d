package admin

import (
	"encoding/json"
	"maps"
	"time"

	"github.com/duplexio/duplex/socketio"
)

// socketRecord is a socket as the UI gets it (Node's serialize()).
type socketRecord struct {
	ID        string          `json:"id"`
	ClientID  string          `json:"clientId,omitempty"`
	Transport string          `json:"transport,omitempty"`
	Nsp       string          `json:"nsp"`
	Data      any             `json:"data"`
	Handshake handshakeRecord `json:"handshake"`
	Rooms     []string        `json:"rooms"`
}

// handshakeRecord is the handshake of a socketRecord: Node's
// socket.handshake without auth, issued a number of milliseconds (the UI
// breaks on a string), and the address taken from a proxy's headers first.
type handshakeRecord struct {
	Address string         `json:"address"`
	Headers map[string]any `json:"headers"`
	Query   map[string]any `json:"query"`
	Issued  float64        `json:"issued"`
	Secure  bool           `json:"secure"`
	Time    string         `json:"time"`
	URL     string         `json:"url"`
	XDomain bool           `json:"xdomain"`
}

// adminMeta is what Node's instrument() keeps in socket.data._admin, and
// what other nodes read of a socket of ours.
type adminMeta struct {
	ClientID  string `json:"clientId"`
	Transport string `json:"transport"`
}

// metaOf is the admin metadata of a local socket: Node shows the first 12
// characters of the Engine.IO session id as the client id.
func metaOf(s *socketio.Socket) adminMeta {
	id := s.Conn().ID()
	return adminMeta{ClientID: id[:min(12, len(id))], Transport: s.Conn().Transport()}
}

// localRecord describes a socket of this node.
func localRecord(s *socketio.Socket) socketRecord {
	m := metaOf(s)
	return socketRecord{
		ID: s.ID(), ClientID: m.ClientID, Transport: m.Transport, Nsp: s.Namespace().Name(),
		Data: userData(s.Data()), Handshake: handshakeOf(s.Handshake()), Rooms: s.Rooms(),
	}
}

// remoteRecord describes a socket of another node, from what its node
// sent: Node's and ours carry data._admin.
func remoteRecord(r *socketio.RemoteSocket, nsp string) socketRecord {
	rec := socketRecord{ID: r.ID, Nsp: nsp, Handshake: handshakeOf(r.Handshake), Rooms: r.Rooms}
	if r.Rooms == nil {
		rec.Rooms = []string{}
	}
	data, _ := r.Data.(map[string]any)
	if meta, ok := data["_admin"].(map[string]any); ok {
		rec.ClientID, _ = meta["clientId"].(string)
		rec.Transport, _ = meta["transport"].(string)
		data = maps.Clone(data)
		delete(data, "_admin")
	}
	if data != nil {
		rec.Data = data
	} else {
		rec.Data = userData(r.Data)
	}
	return rec
}

// userData is socket data as the UI shows it: an object, {} for none.
func userData(d any) any {
	if d == nil {
		return map[string]any{}
	}
	return d
}

// handshakeOf turns a handshake into the UI's shape, through Node's JSON.
func handshakeOf(h *socketio.Handshake) handshakeRecord {
	var rec handshakeRecord
	if h == nil {
		return handshakeRecord{Headers: map[string]any{}, Query: map[string]any{}}
	}
	if b, err := json.Marshal(h); err == nil {
		_ = json.Unmarshal(b, &rec)
	}
	for _, name := range []string{"Cf-Connecting-Ip", "X-Forwarded-For"} {
		if v := h.Header.Get(name); v != "" {
			rec.Address = v
			break
		}
	}
	return rec
}

// exportData adds _admin to a socket's data for other nodes, when it is a
// JSON object or nil (Node's socket.data is always an object); other data
// goes as it is.
func exportData(s *socketio.Socket, data any) any {
	meta := metaOf(s)
	if data == nil {
		return map[string]any{"_admin": meta}
	}
	b, err := json.Marshal(data)
	if err != nil || len(b) == 0 || b[0] != '{' {
		return data
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(b, &obj) != nil {
		return data
	}
	mb, _ := json.Marshal(meta)
	obj["_admin"] = mb
	return obj
}

// jsTime is a time as JSON.stringify writes a JavaScript Date.
func jsTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
}
