package redisadapter

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/parser"
)

// Request types of the classic adapter (RequestType in
// @socket.io/redis-adapter's index.ts).
const (
	reqAllRooms             = 1
	reqRemoteJoin           = 2
	reqRemoteLeave          = 3
	reqRemoteDisconnect     = 4
	reqRemoteFetch          = 5
	reqServerSideEmit       = 6
	reqBroadcast            = 7
	reqBroadcastClientCount = 8
	reqBroadcastAck         = 9
)

// classic is the Transport of one namespace in the wire format of
// @socket.io/redis-adapter's createAdapter (and @socket.io/redis-emitter):
//
//	key#nsp#          msgpack [uid, packet, opts] broadcasts; key#nsp#room# when exactly one room
//	key-request#nsp#  JSON requests; msgpack for a broadcast with acks
//	key-response#nsp# and key-response#nsp#uid#  responses
type classic struct {
	b       *bus
	nsp     string
	uid     string
	deliver func(*adapter.Message)
	log     *slog.Logger

	bcast, req, resp, specific string
}

var _ adapter.Transport = (*classic)(nil)

func openClassic(b *bus, key, nsp, uid string, deliver func(*adapter.Message), log *slog.Logger) *classic {
	c := &classic{b: b, nsp: nsp, uid: uid, deliver: deliver, log: log,
		bcast: key + "#" + nsp + "#", req: key + "-request#" + nsp + "#", resp: key + "-response#" + nsp + "#"}
	c.specific = c.resp + uid + "#"
	b.subscribe(c, c.channels(), c.patterns())
	return c
}

func (c *classic) channels() []string { return []string{c.req, c.resp, c.specific} }
func (c *classic) patterns() []string { return []string{c.bcast + "*"} }

// wireOpts are BroadcastOptions on the wire. Flags go with broadcasts only.
type wireOpts struct {
	Rooms  []string           `json:"rooms" msgpack:"rooms"`
	Except []string           `json:"except" msgpack:"except"`
	Flags  *adapter.WireFlags `json:"flags,omitempty" msgpack:"flags,omitempty"`
}

func toWireOpts(o *adapter.BroadcastOptions, withFlags bool) *wireOpts {
	w := &wireOpts{Rooms: nonNil(o.Rooms), Except: nonNil(o.Except)}
	if withFlags {
		f := o.Flags.ToWire()
		w.Flags = &f
	}
	return w
}

// classicRequest is a JSON request or response of the classic adapter.
type classicRequest struct {
	UID         string          `json:"uid,omitempty"`
	Type        int             `json:"type,omitempty"`
	RequestID   string          `json:"requestId,omitempty"`
	Opts        *wireOpts       `json:"opts,omitempty"`
	Rooms       []string        `json:"rooms,omitempty"`
	Close       *bool           `json:"close,omitempty"`
	Data        json.RawMessage `json:"data,omitempty"`
	Sockets     []wireSocket    `json:"sockets,omitempty"`
	ClientCount *int            `json:"clientCount,omitempty"`
}

// broadcastRequest is a broadcast with acks (msgpack), and ackResponse one
// client's acknowledgement (msgpack).
type broadcastRequest struct {
	UID       string      `msgpack:"uid"`
	RequestID string      `msgpack:"requestId"`
	Type      int         `msgpack:"type"`
	Packet    *wirePacket `msgpack:"packet"`
	Opts      *wireOpts   `msgpack:"opts"`
}

type ackResponse struct {
	Type      int    `msgpack:"type"`
	RequestID string `msgpack:"requestId"`
	Packet    any    `msgpack:"packet"`
}

// Publish implements adapter.Transport.
func (c *classic) Publish(_ context.Context, m *adapter.Message) error {
	channel, payload, err := c.encodeRequest(m)
	if err != nil {
		return err
	}
	return c.b.publish(channel, payload)
}

// encodeRequest returns the channel and bytes of a message to all nodes.
func (c *classic) encodeRequest(m *adapter.Message) (string, []byte, error) {
	switch m.Type {
	case adapter.MsgBroadcast:
		return c.encodeBroadcast(m)
	case adapter.MsgSocketsJoin, adapter.MsgSocketsLeave:
		t := reqRemoteJoin
		if m.Type == adapter.MsgSocketsLeave {
			t = reqRemoteLeave
		}
		return c.jsonRequest(classicRequest{UID: m.UID, Type: t, Opts: toWireOpts(m.Opts, false), Rooms: nonNil(m.Rooms)})
	case adapter.MsgDisconnectSockets:
		closeConn := m.Close
		return c.jsonRequest(classicRequest{UID: m.UID, Type: reqRemoteDisconnect, Opts: toWireOpts(m.Opts, false), Close: &closeConn})
	case adapter.MsgFetchSockets:
		return c.jsonRequest(classicRequest{UID: m.UID, RequestID: m.RequestID, Type: reqRemoteFetch, Opts: toWireOpts(m.Opts, false)})
	case adapter.MsgAllRooms:
		return c.jsonRequest(classicRequest{UID: m.UID, RequestID: m.RequestID, Type: reqAllRooms})
	case adapter.MsgServerSideEmit:
		// JSON.stringify writes a Buffer as an object; base64 is the
		// closest plain-JSON form of binary arguments.
		data, err := parser.InlineAttachments(m.Packet.Data, m.Packet.Attachments)
		if err != nil {
			return "", nil, err
		}
		return c.jsonRequest(classicRequest{UID: m.UID, RequestID: m.RequestID, Type: reqServerSideEmit, Data: data})
	}
	return "", nil, fmt.Errorf("redis adapter: cannot send message type %d", m.Type)
}

func (c *classic) jsonRequest(r classicRequest) (string, []byte, error) {
	b, err := json.Marshal(r)
	return c.req, b, err
}

// encodeBroadcast encodes a broadcast: [uid, packet, opts] on the
// broadcast channel, or a BROADCAST request when acks are expected. The
// packet goes without its ack id: each node picks its own.
func (c *classic) encodeBroadcast(m *adapter.Message) (string, []byte, error) {
	p, err := toWirePacket(m.Packet, c.nsp)
	if err != nil {
		return "", nil, err
	}
	opts := toWireOpts(m.Opts, true)
	if m.RequestID != "" {
		b, err := marshalMsgpack(&broadcastRequest{UID: m.UID, RequestID: m.RequestID, Type: reqBroadcast, Packet: p, Opts: opts})
		return c.req, b, err
	}
	channel := c.bcast
	if len(m.Opts.Rooms) == 1 {
		channel += m.Opts.Rooms[0] + "#"
	}
	b, err := marshalMsgpack([]any{m.UID, p, opts})
	return channel, b, err
}

// PublishResponse implements adapter.Transport. Answers go to the asking
// node's own response channel, which every classic adapter subscribes.
func (c *classic) PublishResponse(_ context.Context, uid string, m *adapter.Message) error {
	channel := c.resp
	if uid != "" && uid != "emitter" {
		channel += uid + "#"
	}
	payload, err := encodeResponse(m)
	if err != nil {
		return err
	}
	return c.b.publish(channel, payload)
}

func encodeResponse(m *adapter.Message) ([]byte, error) {
	switch m.Type {
	case adapter.MsgFetchSocketsResponse:
		sockets := make([]wireSocket, 0, len(m.Sockets))
		for _, s := range m.Sockets {
			sockets = append(sockets, toWireSocket(s))
		}
		return json.Marshal(struct {
			RequestID string       `json:"requestId"`
			Sockets   []wireSocket `json:"sockets"`
		}{m.RequestID, sockets})
	case adapter.MsgAllRoomsResponse:
		return json.Marshal(struct {
			RequestID string   `json:"requestId"`
			Rooms     []string `json:"rooms"`
		}{m.RequestID, nonNil(m.Rooms)})
	case adapter.MsgServerSideEmitResponse:
		data := m.Data
		if len(data) == 0 {
			data = json.RawMessage("null")
		}
		return json.Marshal(classicRequest{Type: reqServerSideEmit, RequestID: m.RequestID, Data: data})
	case adapter.MsgBroadcastClientCount:
		n := m.ClientCount
		return json.Marshal(classicRequest{Type: reqBroadcastClientCount, RequestID: m.RequestID, ClientCount: &n})
	case adapter.MsgBroadcastAck:
		return encodeAck(m)
	}
	return nil, fmt.Errorf("redis adapter: cannot send response type %d", m.Type)
}

// encodeAck sends a client's acknowledgement as Node does: its first
// argument only, binary inline.
func encodeAck(m *adapter.Message) ([]byte, error) {
	v, err := adapter.PacketValues(m.Packet)
	if err != nil {
		return nil, err
	}
	var arg any
	if args, _ := v.([]any); len(args) > 0 {
		arg = args[0]
	}
	return marshalMsgpack(&ackResponse{Type: reqBroadcastAck, RequestID: m.RequestID, Packet: arg})
}

// ServerCount implements adapter.Transport: the subscribers of the request
// channel, which every classic adapter of the namespace subscribes once.
func (c *classic) ServerCount(ctx context.Context) (int, error) {
	return c.b.numSub(ctx, c.req)
}

// Close implements adapter.Transport.
func (c *classic) Close() error {
	c.b.unsubscribe(c.channels(), c.patterns())
	return nil
}
