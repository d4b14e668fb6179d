package redisadapter

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/parser"
)

// streams is the Transport of one namespace in the wire format of
// @socket.io/redis-streams-adapter (see docs/redis-streams.md):
//
//   - the messages every node must see in order (broadcasts without ack,
//     socketsJoin/Leave, disconnectSockets) are entries of the stream,
//     fields uid, nsp, type (a decimal string) and data (JSON, or base64
//     msgpack when it holds binary);
//   - the requests that need no history (broadcasts with ack,
//     serverSideEmit, fetchSockets) are msgpack messages PUBLISHed on
//     key#nsp#, and the answers on key#nsp#uid#.
type streams struct {
	log     *streamLog
	b       *bus
	nsp     string
	uid     string
	deliver func(*adapter.Message)
	logger  *slog.Logger

	channel, response string
	recovering        atomic.Bool // offsets go on delivered broadcasts
}

var _ adapter.Transport = (*streams)(nil)

func openStreams(l *streamLog, b *bus, key, nsp, uid string, deliver func(*adapter.Message), log *slog.Logger) *streams {
	s := &streams{log: l, b: b, nsp: nsp, uid: uid, deliver: deliver, logger: log, channel: key + "#" + nsp + "#"}
	s.response = s.channel + uid + "#"
	l.register(nsp, s)
	b.subscribe(s, []string{s.channel, s.response}, nil)
	return s
}

// ephemeral reports whether m goes over Pub/Sub rather than the stream,
// as Node's isEphemeral (AllRooms, which only Go nodes answer, too).
func ephemeral(m *adapter.Message) bool {
	switch m.Type {
	case adapter.MsgBroadcast:
		return m.RequestID != ""
	case adapter.MsgServerSideEmit, adapter.MsgFetchSockets, adapter.MsgAllRooms:
		return true
	}
	return false
}

// Publish implements adapter.Transport.
func (s *streams) Publish(_ context.Context, m *adapter.Message) error {
	if ephemeral(m) {
		payload, err := s.envelope(m)
		if err != nil {
			return err
		}
		return s.b.publish(s.channel, payload)
	}
	values, err := s.entry(m)
	if err != nil {
		return err
	}
	return s.log.add(values)
}

// publishThen appends m to the stream and calls done with its entry id
// once it is written (see streamLog.addThen).
func (s *streams) publishThen(m *adapter.Message, done func(id string, err error)) error {
	values, err := s.entry(m)
	if err != nil {
		return err
	}
	return s.log.addThen(values, done)
}

// PublishResponse implements adapter.Transport.
func (s *streams) PublishResponse(_ context.Context, uid string, m *adapter.Message) error {
	payload, err := s.envelope(m)
	if err != nil {
		return err
	}
	return s.b.publish(s.channel+uid+"#", payload)
}

// ServerCount implements adapter.Transport: PUBSUB NUMSUB of key#nsp#.
func (s *streams) ServerCount(ctx context.Context) (int, error) {
	return s.b.numSub(ctx, s.channel)
}

// Close implements adapter.Transport.
func (s *streams) Close() error {
	s.log.unregister(s.nsp)
	s.b.unsubscribe([]string{s.channel, s.response}, nil)
	return nil
}

// envelope encodes a Pub/Sub message: msgpack of {type, data, uid, nsp},
// in the order Node's ClusterAdapter builds it (the members of data are
// in no particular order).
func (s *streams) envelope(m *adapter.Message) ([]byte, error) {
	data, err := messageData(s.nsp, m)
	if err != nil {
		return nil, err
	}
	return marshalMsgpack(pubsubMessage{Type: int(m.Type), Data: data, UID: m.UID, Nsp: s.nsp})
}

type pubsubMessage struct {
	Type int            `msgpack:"type"`
	Data map[string]any `msgpack:"data"`
	UID  string         `msgpack:"uid"`
	Nsp  string         `msgpack:"nsp"`
}

// entry encodes a stream entry, fields in Node's order.
func (s *streams) entry(m *adapter.Message) ([]string, error) {
	data, err := encodeEntryData(s.nsp, m)
	if err != nil {
		return nil, err
	}
	return []string{"uid", m.UID, "nsp", s.nsp, "type", strconv.Itoa(int(m.Type)), "data", data}, nil
}

// encodeEntryData is Node's RedisStreamsAdapter.encode of data: JSON, or
// base64 msgpack when a broadcast carries binary. The messages that go
// in the stream are written byte for byte as Node writes them (members
// in its order, opts with flags, the packet without nsp), so that the
// stream reads the same whoever wrote it.
func encodeEntryData(nsp string, m *adapter.Message) (string, error) {
	var v any
	switch m.Type {
	case adapter.MsgBroadcast:
		if len(m.Packet.Attachments) > 0 {
			return binaryBroadcastData(m)
		}
		v = streamBroadcast{Packet: streamPacket{Type: int(eventType(m.Packet)), Data: json.RawMessage(m.Packet.Data)}, Opts: toWireOpts(m.Opts, true)}
	case adapter.MsgSocketsJoin, adapter.MsgSocketsLeave:
		v = streamRooms{Opts: toWireOpts(m.Opts, true), Rooms: nonNil(m.Rooms)}
	case adapter.MsgDisconnectSockets:
		v = streamDisconnect{Opts: toWireOpts(m.Opts, true), Close: m.Close}
	default:
		d, err := messageData(nsp, m)
		if err != nil {
			return "", err
		}
		v = d
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // as JSON.stringify
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

// binaryBroadcastData is the data of a broadcast with binary: msgpack of
// {packet: {type, data}, opts}, the binary inline, in base64.
func binaryBroadcastData(m *adapter.Message) (string, error) {
	values, err := adapter.PacketValues(m.Packet)
	if err != nil {
		return "", err
	}
	b, err := marshalMsgpack(streamBroadcast{Packet: streamPacket{Type: int(eventType(m.Packet)), Data: values}, Opts: toWireOpts(m.Opts, true)})
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// eventType is the type Node's packet object has before encoding: EVENT,
// binary or not (the encoder picks BINARY_EVENT).
func eventType(p *parser.Packet) parser.Type {
	if p.Type == parser.BinaryEvent {
		return parser.Event
	}
	return p.Type
}

// The data of the stream's messages, members in Node's order.
type (
	streamPacket struct {
		Type int `json:"type" msgpack:"type"`
		Data any `json:"data" msgpack:"data"`
	}
	streamBroadcast struct {
		Packet streamPacket `json:"packet" msgpack:"packet"`
		Opts   *wireOpts    `json:"opts" msgpack:"opts"`
	}
	streamRooms struct {
		Opts  *wireOpts `json:"opts" msgpack:"opts"`
		Rooms []string  `json:"rooms" msgpack:"rooms"`
	}
	streamDisconnect struct {
		Opts  *wireOpts `json:"opts" msgpack:"opts"`
		Close bool      `json:"close" msgpack:"close"`
	}
)

// decodeEntry reads a stream entry; entries of this node and malformed
// ones give nil.
func decodeEntry(nsp string, values map[string]any) (*adapter.Message, error) {
	uid, _ := values["uid"].(string)
	typ, err := strconv.Atoi(str(values["type"]))
	if err != nil {
		return nil, errMalformed
	}
	m := &adapter.Message{UID: uid, Type: adapter.MessageType(typ)}
	raw := str(values["data"])
	if raw == "" {
		return m, nil
	}
	var v any
	if strings.HasPrefix(raw, "{") {
		v, err = adapter.DecodeJSONValue([]byte(raw))
	} else {
		var b []byte
		if b, err = base64.StdEncoding.DecodeString(raw); err == nil {
			v, err = unmarshalMsgpack(b)
		}
	}
	if err != nil {
		return nil, err
	}
	d, ok := v.(map[string]any)
	if !ok {
		return nil, errMalformed
	}
	m.RequestID, _ = d["requestId"].(string)
	if err := decodeData(nsp, m, d); err != nil {
		return nil, err
	}
	if m.Packet != nil {
		m.Packet.Namespace = nsp // Node's stream packets have no nsp
	}
	return m, nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// onEntry implements entryReceiver. A broadcast gets its entry id as its
// last argument when recovery is on (Node's addOffsetIfNecessary).
func (s *streams) onEntry(id string, values map[string]any) {
	m, err := decodeEntry(s.nsp, values)
	if err != nil {
		s.logger.Debug("redis adapter: dropping malformed stream entry", "id", id, "err", err)
		return
	}
	if m.UID == s.uid {
		return
	}
	if m.Type == adapter.MsgBroadcast && m.Packet != nil && m.RequestID == "" && s.recovering.Load() &&
		m.Opts != nil && adapter.Stored(m.Packet, m.Opts.Flags) {
		m.Packet = adapter.WithOffset(m.Packet, id)
	}
	s.deliver(m)
}

// onMessage implements subscriber (Pub/Sub messages).
func (s *streams) onMessage(channel string, payload []byte) {
	m, err := decodeMessage(payload, s.nsp, s.uid)
	if err != nil {
		s.logger.Debug("redis adapter: dropping malformed message", "channel", channel, "err", err)
		return
	}
	if m != nil {
		s.deliver(m)
	}
}
