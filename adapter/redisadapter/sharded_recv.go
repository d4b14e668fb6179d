package redisadapter

import (
	"encoding/json"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/parser"
)

// decodeData fills m (sharded and streams modes) from the data member of its type. Unknown types
// (heartbeats of other adapters, ADAPTER_CLOSE) keep their number and are
// ignored by adapter.Cluster.
func decodeData(nsp string, m *adapter.Message, d map[string]any) error {
	var err error
	switch m.Type {
	case adapter.MsgBroadcast:
		if m.Packet, err = fromWirePacket(d["packet"]); err != nil {
			return err
		}
		m.Packet = eventPacket(m.Packet)
		m.Opts = optsFrom(d["opts"])
	case adapter.MsgSocketsJoin, adapter.MsgSocketsLeave:
		m.Opts, m.Rooms = optsFrom(d["opts"]), roomList(d["rooms"])
	case adapter.MsgDisconnectSockets:
		m.Opts = optsFrom(d["opts"])
		m.Close, _ = d["close"].(bool)
	case adapter.MsgFetchSockets:
		m.Opts = optsFrom(d["opts"])
	case adapter.MsgFetchSocketsResponse:
		raw, err := json.Marshal(d["sockets"])
		if err != nil {
			return err
		}
		var ws []wireSocket
		if err := json.Unmarshal(raw, &ws); err != nil {
			return err
		}
		m.Sockets = fromWireSockets(ws)
	case adapter.MsgServerSideEmit:
		data, att, err := adapter.MarshalValues(d["packet"])
		if err != nil {
			return err
		}
		m.Packet = &parser.Packet{Type: parser.Event, Namespace: nsp, Data: data, Attachments: att}
	case adapter.MsgServerSideEmitResponse:
		if m.Data, err = json.Marshal(d["packet"]); err != nil {
			m.Data = json.RawMessage("null")
		}
	case adapter.MsgBroadcastClientCount:
		n, _ := toInt(d["clientCount"])
		m.ClientCount = int(n)
	case adapter.MsgBroadcastAck:
		data, att, err := adapter.MarshalValues([]any{d["packet"]})
		if err != nil {
			return err
		}
		m.Packet = &parser.Packet{Type: parser.Ack, Data: data, Attachments: att}
	case adapter.MsgAllRoomsResponse:
		m.Rooms = roomList(d["rooms"])
	}
	return nil
}
