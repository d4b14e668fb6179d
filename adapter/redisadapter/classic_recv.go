package redisadapter

import (
	"encoding/json"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/parser"
)

// onMessage implements subscriber: it decodes what the other nodes (Node
// or Go) and emitters publish. Malformed messages are logged and dropped.
func (c *classic) onMessage(channel string, payload []byte) {
	var m *adapter.Message
	var err error
	switch channel {
	case c.req:
		m, err = c.decodeRequest(payload)
	case c.resp, c.specific:
		m, err = decodeResponse(payload)
	default:
		m, err = c.decodeBroadcast(payload)
	}
	if err != nil {
		c.log.Debug("redis adapter: dropping malformed message", "channel", channel, "err", err)
		return
	}
	if m != nil {
		c.deliver(m)
	}
}

// decodeBroadcast decodes [uid, packet, opts]; packets of another
// namespace sharing the channel prefix are dropped (nil).
func (c *classic) decodeBroadcast(payload []byte) (*adapter.Message, error) {
	v, err := unmarshalMsgpack(payload)
	if err != nil {
		return nil, err
	}
	arr, _ := v.([]any)
	if len(arr) < 3 {
		return nil, errMalformed
	}
	uid, _ := arr[0].(string)
	if uid == c.uid {
		return nil, nil // our own, echoed
	}
	p, err := fromWirePacket(arr[1])
	if err != nil {
		return nil, err
	}
	if p.Namespace != c.nsp {
		return nil, nil
	}
	return &adapter.Message{UID: uid, Type: adapter.MsgBroadcast, Packet: eventPacket(p), Opts: optsFrom(arr[2])}, nil
}

// eventPacket makes a received packet an EVENT: socket.io-parser's
// BINARY_EVENT is an EVENT with attachments here.
func eventPacket(p *parser.Packet) *parser.Packet {
	p.Type = parser.Event
	return p
}

// optsFrom converts opts decoded from msgpack.
func optsFrom(v any) *adapter.BroadcastOptions {
	m, _ := v.(map[string]any)
	o := &adapter.BroadcastOptions{Rooms: roomList(m["rooms"]), Except: roomList(m["except"])}
	if f, ok := m["flags"].(map[string]any); ok {
		var w adapter.WireFlags
		w.Volatile, _ = f["volatile"].(bool)
		w.Compress, _ = f["compress"].(bool)
		w.Timeout, _ = toInt(f["timeout"])
		o.Flags = w.FromWire()
	}
	return o
}

// decodeRequest decodes a request: JSON, or msgpack for a broadcast with
// acks (told apart by the first byte, '{', as Node does).
func (c *classic) decodeRequest(payload []byte) (*adapter.Message, error) {
	if len(payload) == 0 {
		return nil, errMalformed
	}
	if payload[0] != '{' {
		return c.decodeBroadcastRequest(payload)
	}
	var r classicRequest
	if err := json.Unmarshal(payload, &r); err != nil {
		return nil, err
	}
	m := &adapter.Message{UID: r.UID, RequestID: r.RequestID, Rooms: r.Rooms}
	if r.Opts != nil {
		m.Opts = &adapter.BroadcastOptions{Rooms: r.Opts.Rooms, Except: r.Opts.Except}
	}
	switch r.Type {
	case reqAllRooms:
		m.Type = adapter.MsgAllRooms
	case reqRemoteJoin:
		m.Type = adapter.MsgSocketsJoin
	case reqRemoteLeave:
		m.Type = adapter.MsgSocketsLeave
	case reqRemoteDisconnect:
		m.Type = adapter.MsgDisconnectSockets
		m.Close = r.Close != nil && *r.Close
	case reqRemoteFetch:
		m.Type = adapter.MsgFetchSockets
	case reqServerSideEmit:
		m.Type = adapter.MsgServerSideEmit
		m.Packet = &parser.Packet{Type: parser.Event, Namespace: c.nsp, Data: r.Data}
	default:
		return nil, nil // SOCKETS (unused since 7.x) and unknown types
	}
	return m, nil
}

func (c *classic) decodeBroadcastRequest(payload []byte) (*adapter.Message, error) {
	v, err := unmarshalMsgpack(payload)
	if err != nil {
		return nil, err
	}
	r, _ := v.(map[string]any)
	if t, _ := toInt(r["type"]); t != reqBroadcast {
		return nil, nil
	}
	p, err := fromWirePacket(r["packet"])
	if err != nil {
		return nil, err
	}
	uid, _ := r["uid"].(string)
	id, _ := r["requestId"].(string)
	return &adapter.Message{UID: uid, Type: adapter.MsgBroadcast, RequestID: id, Packet: eventPacket(p), Opts: optsFrom(r["opts"])}, nil
}

// decodeResponse decodes an answer. FETCH and ALL_ROOMS answers carry no
// type: they are told apart by their sockets or rooms member.
func decodeResponse(payload []byte) (*adapter.Message, error) {
	if len(payload) == 0 {
		return nil, errMalformed
	}
	if payload[0] != '{' {
		return decodeAckResponse(payload)
	}
	var r struct {
		classicRequest
		RawSockets json.RawMessage `json:"sockets"`
		RawRooms   json.RawMessage `json:"rooms"`
	}
	if err := json.Unmarshal(payload, &r); err != nil {
		return nil, err
	}
	m := &adapter.Message{RequestID: r.RequestID}
	switch {
	case r.Type == reqBroadcastClientCount && r.ClientCount != nil:
		m.Type, m.ClientCount = adapter.MsgBroadcastClientCount, *r.ClientCount
	case r.Type == reqServerSideEmit:
		m.Type, m.Data = adapter.MsgServerSideEmitResponse, r.Data
		if len(m.Data) == 0 {
			m.Data = json.RawMessage("null") // the callback was called with no argument
		}
	case r.RawSockets != nil:
		var ws []wireSocket
		if err := json.Unmarshal(r.RawSockets, &ws); err != nil {
			return nil, err
		}
		m.Type, m.Sockets = adapter.MsgFetchSocketsResponse, fromWireSockets(ws)
	case r.RawRooms != nil:
		var rooms []any
		if err := json.Unmarshal(r.RawRooms, &rooms); err != nil {
			return nil, err
		}
		m.Type, m.Rooms = adapter.MsgAllRoomsResponse, roomList(rooms)
	default:
		return nil, nil
	}
	return m, nil
}

// decodeAckResponse decodes a client's acknowledgement of a broadcast: its
// first argument, which becomes the only argument of an ACK packet.
func decodeAckResponse(payload []byte) (*adapter.Message, error) {
	v, err := unmarshalMsgpack(payload)
	if err != nil {
		return nil, err
	}
	r, _ := v.(map[string]any)
	if t, _ := toInt(r["type"]); t != reqBroadcastAck {
		return nil, nil
	}
	data, att, err := adapter.MarshalValues([]any{r["packet"]})
	if err != nil {
		return nil, err
	}
	id, _ := r["requestId"].(string)
	return &adapter.Message{Type: adapter.MsgBroadcastAck, RequestID: id,
		Packet: &parser.Packet{Type: parser.Ack, Data: data, Attachments: att}}, nil
}
