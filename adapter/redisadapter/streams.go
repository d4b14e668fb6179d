package redisadapter

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/duplexio/duplex/adapter"
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

// publishOffset appends m to the stream and returns its entry id.
func (s *streams) publishOffset(ctx context.Context, m *adapter.Message) (string, error) {
	values, err := s.entry(m)
	if err != nil {
		return "", err
	}
	return s.log.addWait(ctx, values)
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

// envelope encodes a Pub/Sub message: msgpack of {uid, nsp, type, data}.
func (s *streams) envelope(m *adapter.Message) ([]byte, error) {
	data, err := messageData(s.nsp, m)
	if err != nil {
		return nil, err
	}
	return marshalMsgpack(map[string]any{"uid": m.UID, "nsp": s.nsp, "type": int(m.Type), "data": data})
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
// base64 msgpack when a message type that may carry binary carries some.
func encodeEntryData(nsp string, m *adapter.Message) (string, error) {
	data, err := messageData(nsp, m)
	if err != nil {
		return "", err
	}
	if hasBinary(data) {
		b, err := marshalMsgpack(data)
		if err != nil {
			return "", err
		}
		return base64.StdEncoding.EncodeToString(b), nil
	}
	b, err := json.Marshal(data)
	return string(b), err
}

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
	return m, decodeData(nsp, m, d)
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
