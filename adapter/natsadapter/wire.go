package natsadapter

import (
	"encoding/json"
	"fmt"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/parser"
)

// Message types outside adapter.MessageType: the node count's, numbered
// as in socket.io-adapter's ClusterAdapterWithHeartbeat.
const (
	msgInitialHeartbeat adapter.MessageType = 1
	msgHeartbeat        adapter.MessageType = 2
	msgAdapterClose     adapter.MessageType = 13
)

// wireMessage is a cluster message on the wire: {uid, nsp, type, data}.
type wireMessage struct {
	UID  string              `json:"uid"`
	Nsp  string              `json:"nsp"`
	Type adapter.MessageType `json:"type"`
	Data *wireData           `json:"data,omitempty"`
}

// wireData holds the fields of every message type; those a type does not
// use stay empty and are omitted.
type wireData struct {
	RequestID   string               `json:"requestId,omitempty"`
	Packet      *wirePacket          `json:"packet,omitempty"`
	Opts        *wireOpts            `json:"opts,omitempty"`
	Rooms       []string             `json:"rooms,omitempty"`
	Close       bool                 `json:"close,omitempty"`
	Sockets     []adapter.SocketInfo `json:"sockets,omitempty"`
	ClientCount *int                 `json:"clientCount,omitempty"`
	Answer      json.RawMessage      `json:"answer,omitempty"`
}

// wirePacket is a Socket.IO packet: data as on the Socket.IO wire, with
// placeholders, and the attachments beside it (base64 in JSON).
type wirePacket struct {
	Type        parser.Type     `json:"type"`
	Data        json.RawMessage `json:"data,omitempty"`
	Attachments [][]byte        `json:"attachments,omitempty"`
}

type wireOpts struct {
	Rooms  []string          `json:"rooms"`
	Except []string          `json:"except"`
	Flags  adapter.WireFlags `json:"flags"`
}

func encode(nsp string, m *adapter.Message) ([]byte, error) {
	w := wireMessage{UID: m.UID, Nsp: nsp, Type: m.Type}
	d := &wireData{RequestID: m.RequestID, Rooms: m.Rooms, Close: m.Close, Sockets: m.Sockets, Answer: m.Data}
	if m.Packet != nil {
		d.Packet = &wirePacket{Type: m.Packet.Type, Data: m.Packet.Data, Attachments: m.Packet.Attachments}
	}
	if m.Opts != nil {
		d.Opts = &wireOpts{Rooms: m.Opts.Rooms, Except: m.Opts.Except, Flags: m.Opts.Flags.ToWire()}
	}
	if m.Type == adapter.MsgBroadcastClientCount {
		n := m.ClientCount
		d.ClientCount = &n
	}
	if !d.empty() {
		w.Data = d
	}
	return json.Marshal(w)
}

// empty reports whether d carries nothing (heartbeats).
func (d wireData) empty() bool {
	return d.RequestID == "" && d.Packet == nil && d.Opts == nil && d.Rooms == nil && !d.Close &&
		d.Sockets == nil && d.ClientCount == nil && d.Answer == nil
}

func decode(b []byte) (*adapter.Message, string, error) {
	var w wireMessage
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, "", fmt.Errorf("nats adapter: malformed message: %w", err)
	}
	m := &adapter.Message{UID: w.UID, Type: w.Type}
	if d := w.Data; d != nil {
		m.RequestID, m.Rooms, m.Close, m.Sockets, m.Data = d.RequestID, d.Rooms, d.Close, d.Sockets, d.Answer
		if d.ClientCount != nil {
			m.ClientCount = *d.ClientCount
		}
		if d.Packet != nil {
			m.Packet = &parser.Packet{Type: d.Packet.Type, Namespace: w.Nsp, Data: d.Packet.Data, Attachments: d.Packet.Attachments}
		}
		if d.Opts != nil {
			m.Opts = &adapter.BroadcastOptions{Rooms: d.Opts.Rooms, Except: d.Opts.Except, Flags: d.Opts.Flags.FromWire()}
		}
	}
	return m, w.Nsp, nil
}
