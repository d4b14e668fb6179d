package redisadapter

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/parser"
)

// marshalMsgpack encodes v the way notepack.io (the Node adapters' codec)
// does where it matters: integers in their smallest form, []byte as bin,
// struct fields in declaration order.
func marshalMsgpack(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	enc.UseCompactInts(true)
	enc.SetCustomStructTag("msgpack")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// unmarshalMsgpack decodes data into plain values: map[string]any, []any,
// int64 (uint64 past its range), float64, string, []byte (bin), time.Time.
// The loose decoding of the library would make bin a string.
func unmarshalMsgpack(data []byte) (any, error) {
	v, err := msgpack.NewDecoder(bytes.NewReader(data)).DecodeInterface()
	if err != nil {
		return nil, err
	}
	return widen(v), nil
}

// widen makes every integer an int64 and every float a float64.
func widen(v any) any {
	switch n := v.(type) {
	case int8:
		return int64(n)
	case int16:
		return int64(n)
	case int32:
		return int64(n)
	case int:
		return int64(n)
	case uint8:
		return int64(n)
	case uint16:
		return int64(n)
	case uint32:
		return int64(n)
	case uint64:
		if n <= math.MaxInt64 {
			return int64(n)
		}
	case float32:
		return float64(n)
	case []any:
		for i, e := range n {
			n[i] = widen(e)
		}
	case map[string]any:
		for k, e := range n {
			n[k] = widen(e)
		}
	}
	return v
}

// wirePacket is a Socket.IO packet object as socket.io-parser has it
// before encoding, which the Node adapters put in msgpack (and, in the
// sharded adapter, JSON) messages: data holds the arguments with binary
// inline.
type wirePacket struct {
	Type int    `json:"type" msgpack:"type"`
	Data any    `json:"data" msgpack:"data"`
	Nsp  string `json:"nsp" msgpack:"nsp"`
	ID   *int64 `json:"id,omitempty" msgpack:"id,omitempty"`
}

// toWirePacket converts p for msgpack.
func toWirePacket(p *parser.Packet, nsp string) (*wirePacket, error) {
	data, err := adapter.PacketValues(p)
	if err != nil {
		return nil, err
	}
	w := &wirePacket{Type: int(p.Type), Data: data, Nsp: nsp}
	return w, nil
}

// fromWirePacket converts a packet object decoded from msgpack.
func fromWirePacket(v any) (*parser.Packet, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("redis adapter: packet is %T", v)
	}
	typ, _ := toInt(m["type"])
	data, att, err := adapter.MarshalValues(m["data"])
	if err != nil {
		return nil, err
	}
	nsp, _ := m["nsp"].(string)
	if nsp == "" {
		nsp = "/"
	}
	return &parser.Packet{Type: parser.Type(typ), Namespace: nsp, Data: data, Attachments: att}, nil
}

// toInt reads an integer decoded from msgpack or JSON.
func toInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case uint64:
		return int64(n), true
	case float64:
		return int64(n), n == float64(int64(n))
	}
	return 0, false
}

// roomName turns a room from the wire into a Room: Node allows numbers.
func roomName(v any) string {
	switch r := v.(type) {
	case string:
		return r
	case float64:
		return strconv.FormatFloat(r, 'f', -1, 64)
	case json.Number:
		return r.String()
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// roomList converts a list of rooms decoded from the wire.
func roomList(v any) []adapter.Room {
	arr, _ := v.([]any)
	if len(arr) == 0 {
		return nil
	}
	out := make([]adapter.Room, len(arr))
	for i, r := range arr {
		out[i] = roomName(r)
	}
	return out
}

// nonNil returns rooms, or an empty list: Node spreads the lists it gets
// ([...opts.rooms]), so null would throw there.
func nonNil(rooms []adapter.Room) []adapter.Room {
	if rooms == nil {
		return []adapter.Room{}
	}
	return rooms
}
