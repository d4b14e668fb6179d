package adapter

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/duplexio/duplex/parser"
)

// MessageType is the kind of a cluster Message. The values are those of
// socket.io-adapter's ClusterAdapter (MessageType in cluster-adapter.ts), so
// that a transport speaking that protocol can put them on the wire as they
// are; AllRooms and AllRoomsResponse have no ClusterAdapter counterpart and
// take numbers it does not use.
type MessageType int

// The cluster message types.
const (
	MsgBroadcast              MessageType = 3
	MsgSocketsJoin            MessageType = 4
	MsgSocketsLeave           MessageType = 5
	MsgDisconnectSockets      MessageType = 6
	MsgFetchSockets           MessageType = 7
	MsgFetchSocketsResponse   MessageType = 8
	MsgServerSideEmit         MessageType = 9
	MsgServerSideEmitResponse MessageType = 10
	MsgBroadcastClientCount   MessageType = 11
	MsgBroadcastAck           MessageType = 12
	MsgAllRooms               MessageType = 100
	MsgAllRoomsResponse       MessageType = 101
)

// IsResponse reports whether messages of type t answer a request and go to
// the requesting node only.
func (t MessageType) IsResponse() bool {
	switch t {
	case MsgFetchSocketsResponse, MsgServerSideEmitResponse, MsgBroadcastClientCount,
		MsgBroadcastAck, MsgAllRoomsResponse:
		return true
	}
	return false
}

// Message is one cluster message, independent of any wire format: a
// Transport encodes it for its broker and decodes what it receives back
// into it. Which fields are set depends on Type:
//
//   - MsgBroadcast: Packet (an EVENT), Opts; RequestID when the sender waits
//     for acknowledgements (then answered by MsgBroadcastClientCount with
//     ClientCount and one MsgBroadcastAck per client, Packet an ACK).
//   - MsgSocketsJoin, MsgSocketsLeave: Opts, Rooms.
//   - MsgDisconnectSockets: Opts, Close.
//   - MsgFetchSockets: Opts, RequestID; answered by MsgFetchSocketsResponse
//     with Sockets.
//   - MsgServerSideEmit: Packet (Data is [event, ...args]); RequestID when
//     acknowledged, answered by MsgServerSideEmitResponse with Data.
//   - MsgAllRooms: RequestID; answered by MsgAllRoomsResponse with Rooms.
type Message struct {
	UID         string // the sending node; "" or "emitter" for an emitter
	Type        MessageType
	RequestID   string
	Packet      *parser.Packet
	Opts        *BroadcastOptions
	Rooms       []Room
	Close       bool
	Sockets     []SocketInfo
	ClientCount int
	Data        json.RawMessage
}

// WireFlags are BroadcastFlags as the Node adapters put them on the wire:
// timeout in milliseconds, local never sent.
type WireFlags struct {
	Volatile             bool  `json:"volatile,omitempty" msgpack:"volatile,omitempty"`
	Compress             bool  `json:"compress,omitempty" msgpack:"compress,omitempty"`
	Timeout              int64 `json:"timeout,omitempty" msgpack:"timeout,omitempty"`
	ExpectSingleResponse bool  `json:"expectSingleResponse,omitempty" msgpack:"expectSingleResponse,omitempty"`
}

// ToWire converts f for the wire.
func (f BroadcastFlags) ToWire() WireFlags {
	return WireFlags{Volatile: f.Volatile, Compress: f.Compress, Timeout: f.Timeout.Milliseconds()}
}

// FromWire converts flags received from another node.
func (w WireFlags) FromWire() BroadcastFlags {
	return BroadcastFlags{Volatile: w.Volatile, Compress: w.Compress, Timeout: time.Duration(w.Timeout) * time.Millisecond}
}

// PacketValues returns the data of p as plain values: the JSON decoded into
// nil, bool, int64, float64, string, []any and map[string]any, with each
// placeholder replaced by its binary attachment as a []byte. It is the form
// binary-capable encodings (msgpack) carry, where binary travels inline.
func PacketValues(p *parser.Packet) (any, error) {
	if len(p.Data) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(p.Data))
	dec.UseNumber() // placeholders' num must stay json.Number for ResolveAttachments
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	v, err := parser.ResolveAttachments(v, p.Attachments)
	if err != nil {
		return nil, err
	}
	return numbers(v), nil
}

// DecodeJSONValue decodes raw like json.Unmarshal into any, but numbers
// with an integer value become int64, so that they stay integers in other
// encodings.
func DecodeJSONValue(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return numbers(v), nil
}

// numbers replaces the json.Numbers in v by int64 or float64.
func numbers(v any) any {
	switch v := v.(type) {
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i
		}
		f, _ := v.Float64()
		return f
	case []any:
		for i, e := range v {
			v[i] = numbers(e)
		}
	case map[string]any:
		for k, e := range v {
			v[k] = numbers(e)
		}
	}
	return v
}

// MarshalValues is the inverse of PacketValues: it encodes values (an
// array for an EVENT or ACK packet) as packet data, every []byte becoming
// an attachment. Values decoded from other encodings are accepted: maps
// with any comparable keys, all integer and float types, time.Time.
func MarshalValues(values any) (json.RawMessage, [][]byte, error) {
	arr, ok := plain(values).([]any)
	if !ok {
		return nil, nil, fmt.Errorf("adapter: packet data is %T, not an array", values)
	}
	return parser.MarshalArray(arr)
}

// plain converts what a msgpack decoder produces into values MarshalArray
// and encoding/json write as JavaScript would see them.
func plain(v any) any {
	switch v := v.(type) {
	case []any:
		for i, e := range v {
			v[i] = plain(e)
		}
		return v
	case map[string]any:
		for k, e := range v {
			v[k] = plain(e)
		}
		return v
	case map[any]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[fmt.Sprint(k)] = plain(e)
		}
		return m
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil // JSON.stringify writes null
		}
	case float32:
		return plain(float64(v))
	case time.Time:
		return v.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	return v
}
