package redisadapter

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"

	"github.com/duplexio/duplex/adapter"
)

// SubscriptionMode is the subscriptionMode option of createShardedAdapter:
// which broadcasts get a channel of their own.
type SubscriptionMode string

// The subscription modes; every node of a cluster uses the same.
const (
	// SubscriptionDynamic (the default) gives each public room (a room
	// that is not a socket id) its channel, used by broadcasts without
	// ack to exactly that room; each node subscribes the channels of the
	// rooms it has members in.
	SubscriptionDynamic SubscriptionMode = "dynamic"
	// SubscriptionDynamicPrivate does the same for socket-id rooms too.
	SubscriptionDynamicPrivate SubscriptionMode = "dynamic-private"
	// SubscriptionStatic sends everything on the namespace's channel.
	SubscriptionStatic SubscriptionMode = "static"
)

// sharded is the Transport of one namespace in the wire format of
// @socket.io/redis-adapter's createShardedAdapter (SPUBLISH/SSUBSCRIBE):
//
//	key#nsp#        every message to all nodes
//	key#nsp#uid#    responses to the node uid
//	key#nsp#room#   broadcasts without ack to one room (dynamic modes)
//
// A message is {uid, nsp, type, data}: JSON, or msgpack when its data
// holds binary (the receiver tells them apart by the first byte, '{').
type sharded struct {
	b       *bus
	nsp     string
	uid     string
	mode    SubscriptionMode
	deliver func(*adapter.Message)
	log     *slog.Logger

	channel, response string

	// rooms are the local rooms, whose channels a dynamic mode subscribes.
	rooms  *adapter.Memory
	roomMu sync.Mutex
	subbed map[string]bool // room channels subscribed
	closed bool
}

var _ adapter.Transport = (*sharded)(nil)

func openSharded(b *bus, key, nsp, uid string, mode SubscriptionMode, deliver func(*adapter.Message), log *slog.Logger) *sharded {
	s := &sharded{b: b, nsp: nsp, uid: uid, mode: mode, deliver: deliver, log: log,
		channel: key + "#" + nsp + "#", subbed: map[string]bool{}}
	s.response = s.channel + uid + "#"
	b.subscribe(s, []string{s.channel, s.response}, nil)
	return s
}

// watch makes the transport follow the local rooms of m (dynamic modes).
func (s *sharded) watch(m *adapter.Memory) {
	if s.mode == SubscriptionStatic {
		return
	}
	s.rooms = m
	m.WatchRooms(s.onRoom)
}

// onRoom subscribes or unsubscribes the channel of a room that was just
// created or deleted. It reads the current state rather than trusting
// the order of the calls, which may race.
func (s *sharded) onRoom(room adapter.Room) {
	s.roomMu.Lock()
	defer s.roomMu.Unlock()
	if s.closed {
		return
	}
	want := s.rooms.HasRoom(room) && (s.mode == SubscriptionDynamicPrivate || s.rooms.SocketRooms(room) == nil)
	if want == s.subbed[room] {
		return
	}
	ch := s.dynamicChannel(room)
	if want {
		s.subbed[room] = true
		s.b.subscribe(s, []string{ch}, nil)
		return
	}
	delete(s.subbed, room)
	s.b.unsubscribe([]string{ch}, nil)
}

func (s *sharded) dynamicChannel(room string) string { return s.channel + room + "#" }

// computeChannel is Node's: a broadcast without ack to exactly one room
// goes to the room's channel, in dynamic mode only when the room does not
// look like a socket id (20 characters).
func (s *sharded) computeChannel(m *adapter.Message) string {
	if m.Type == adapter.MsgBroadcast && m.RequestID == "" && m.Opts != nil && len(m.Opts.Rooms) == 1 {
		room := m.Opts.Rooms[0]
		if s.mode == SubscriptionDynamicPrivate || (s.mode == SubscriptionDynamic && len([]rune(room)) != 20) {
			return s.dynamicChannel(room)
		}
	}
	return s.channel
}

// Publish implements adapter.Transport.
func (s *sharded) Publish(_ context.Context, m *adapter.Message) error {
	payload, err := s.encode(m)
	if err != nil {
		return err
	}
	return s.b.publish(s.computeChannel(m), payload)
}

// PublishResponse implements adapter.Transport.
func (s *sharded) PublishResponse(_ context.Context, uid string, m *adapter.Message) error {
	payload, err := s.encode(m)
	if err != nil {
		return err
	}
	return s.b.publish(s.channel+uid+"#", payload)
}

// ServerCount implements adapter.Transport: SHARDNUMSUB of the namespace's
// channel, which every node subscribes once.
func (s *sharded) ServerCount(ctx context.Context) (int, error) {
	return s.b.numSub(ctx, s.channel)
}

// Close implements adapter.Transport.
func (s *sharded) Close() error {
	s.roomMu.Lock()
	s.closed = true
	channels := []string{s.channel, s.response}
	for room := range s.subbed {
		channels = append(channels, s.dynamicChannel(room))
	}
	s.roomMu.Unlock()
	s.b.unsubscribe(channels, nil)
	return nil
}

// encode writes m as Node's ShardedRedisAdapter.encode does.
func (s *sharded) encode(m *adapter.Message) ([]byte, error) {
	data, err := messageData(s.nsp, m)
	if err != nil {
		return nil, err
	}
	msg := map[string]any{"uid": m.UID, "nsp": s.nsp, "type": int(m.Type)}
	if data != nil {
		msg["data"] = data
	}
	if hasBinary(data) {
		return marshalMsgpack(msg)
	}
	return json.Marshal(msg)
}

// messageData builds the data member of m as Node's ClusterAdapter has it
// (sharded and streams modes): plain values, binary as []byte.
func messageData(nsp string, m *adapter.Message) (map[string]any, error) {
	d := map[string]any{}
	if m.RequestID != "" {
		d["requestId"] = m.RequestID
	}
	switch m.Type {
	case adapter.MsgBroadcast:
		p, err := toWirePacket(m.Packet, nsp)
		if err != nil {
			return nil, err
		}
		d["packet"], d["opts"] = p, toWireOpts(m.Opts, true)
	case adapter.MsgSocketsJoin, adapter.MsgSocketsLeave:
		d["opts"], d["rooms"] = toWireOpts(m.Opts, false), nonNil(m.Rooms)
	case adapter.MsgDisconnectSockets:
		d["opts"], d["close"] = toWireOpts(m.Opts, false), m.Close
	case adapter.MsgFetchSockets:
		d["opts"] = toWireOpts(m.Opts, false)
	case adapter.MsgFetchSocketsResponse:
		// Plain values, not wireSocket: its json.RawMessage fields would
		// be msgpack bin, which Node would read as Buffers.
		sockets := make([]any, 0, len(m.Sockets))
		for _, so := range m.Sockets {
			sockets = append(sockets, toWireSocket(so).plain())
		}
		d["sockets"] = sockets
	case adapter.MsgServerSideEmit:
		v, err := adapter.PacketValues(m.Packet)
		if err != nil {
			return nil, err
		}
		d["packet"] = v
	case adapter.MsgServerSideEmitResponse:
		var v any
		if len(m.Data) > 0 {
			var err error
			if v, err = adapter.DecodeJSONValue(m.Data); err != nil {
				return nil, err
			}
		}
		d["packet"] = v
	case adapter.MsgBroadcastClientCount:
		d["clientCount"] = m.ClientCount
	case adapter.MsgBroadcastAck:
		v, err := adapter.PacketValues(m.Packet)
		if err != nil {
			return nil, err
		}
		var arg any
		if args, _ := v.([]any); len(args) > 0 {
			arg = args[0]
		}
		d["packet"] = arg
	case adapter.MsgAllRooms, adapter.MsgAllRoomsResponse:
		// Not in the ClusterAdapter protocol: only Go nodes answer.
		if m.Type == adapter.MsgAllRoomsResponse {
			d["rooms"] = nonNil(m.Rooms)
		}
	default:
		return nil, fmt.Errorf("redis adapter: cannot send message type %d", m.Type)
	}
	return d, nil
}

// hasBinary reports whether v holds a []byte anywhere.
func hasBinary(v any) bool {
	switch v := v.(type) {
	case []byte:
		return true
	case map[string]any:
		for _, e := range v {
			if hasBinary(e) {
				return true
			}
		}
	case []any:
		for _, e := range v {
			if hasBinary(e) {
				return true
			}
		}
	case *wirePacket:
		return v != nil && hasBinary(v.Data)
	}
	return false
}

// onMessage implements subscriber.
func (s *sharded) onMessage(channel string, payload []byte) {
	m, err := s.decode(payload)
	if err != nil {
		s.log.Debug("redis adapter: dropping malformed message", "channel", channel, "err", err)
		return
	}
	if m != nil {
		s.deliver(m)
	}
}

// decode reads a message of another node; messages of other namespaces,
// this node's own and unknown types give nil.
func (s *sharded) decode(payload []byte) (*adapter.Message, error) {
	return decodeMessage(payload, s.nsp, s.uid)
}

// decodeMessage reads a ClusterAdapter message {uid, nsp, type, data} in
// JSON or msgpack (told apart by the first byte, '{'), as the sharded
// adapter and the streams adapter's Pub/Sub path send it. Messages of
// other namespaces and of the node self give nil.
func decodeMessage(payload []byte, nsp, self string) (*adapter.Message, error) {
	if len(payload) == 0 {
		return nil, errMalformed
	}
	var v any
	var err error
	if payload[0] == '{' {
		v, err = adapter.DecodeJSONValue(payload)
	} else {
		v, err = unmarshalMsgpack(payload)
	}
	if err != nil {
		return nil, err
	}
	msg, _ := v.(map[string]any)
	uid, _ := msg["uid"].(string)
	mnsp, _ := msg["nsp"].(string)
	typ, _ := toInt(msg["type"])
	if uid == self || mnsp != nsp {
		return nil, nil
	}
	d, _ := msg["data"].(map[string]any)
	m := &adapter.Message{UID: uid, Type: adapter.MessageType(typ)}
	m.RequestID, _ = d["requestId"].(string)
	return m, decodeData(nsp, m, d)
}
