package redisadapter

import (
	"encoding/json"
	"testing"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/parser"
)

// The expected strings are what Node's ShardedRedisAdapter publishes for
// the same operations (JSON.stringify of the ClusterAdapter message).
func TestShardedEncodingMatchesNode(t *testing.T) {
	t.Parallel()
	s := &sharded{nsp: "/", uid: "abc", mode: SubscriptionDynamic, channel: "socket.io#/#"}
	const sid = "0123456789abcdefghij" // 20 characters: looks like a socket id
	tests := []struct {
		name        string
		m           *adapter.Message
		wantChannel string
		want        string
	}{
		{"broadcast to one public room",
			&adapter.Message{UID: "abc", Type: adapter.MsgBroadcast, Packet: &parser.Packet{Type: parser.Event, Data: json.RawMessage(`["hi",1]`)},
				Opts: &adapter.BroadcastOptions{Rooms: []string{"r"}}},
			"socket.io#/#r#",
			`{"data":{"opts":{"rooms":["r"],"except":[],"flags":{}},"packet":{"type":2,"data":["hi",1],"nsp":"/"}},"nsp":"/","type":3,"uid":"abc"}`},
		{"broadcast to a socket id",
			&adapter.Message{UID: "abc", Type: adapter.MsgBroadcast, Packet: &parser.Packet{Type: parser.Event, Data: json.RawMessage(`["hi"]`)},
				Opts: &adapter.BroadcastOptions{Rooms: []string{sid}}},
			"socket.io#/#", ""},
		{"broadcast with ack to one room",
			&adapter.Message{UID: "abc", Type: adapter.MsgBroadcast, RequestID: "q", Packet: &parser.Packet{Type: parser.Event, Data: json.RawMessage(`["hi"]`)},
				Opts: &adapter.BroadcastOptions{Rooms: []string{"r"}}},
			"socket.io#/#", ""},
		{"socketsJoin",
			&adapter.Message{UID: "abc", Type: adapter.MsgSocketsJoin, Opts: &adapter.BroadcastOptions{Rooms: []string{"a"}}, Rooms: []string{"b"}},
			"socket.io#/#",
			`{"data":{"opts":{"rooms":["a"],"except":[]},"rooms":["b"]},"nsp":"/","type":4,"uid":"abc"}`},
		{"serverSideEmit with ack",
			&adapter.Message{UID: "abc", Type: adapter.MsgServerSideEmit, RequestID: "q", Packet: &parser.Packet{Type: parser.Event, Data: json.RawMessage(`["ping",1]`)}},
			"socket.io#/#",
			`{"data":{"packet":["ping",1],"requestId":"q"},"nsp":"/","type":9,"uid":"abc"}`},
	}
	for _, tt := range tests {
		if got := s.computeChannel(tt.m); got != tt.wantChannel {
			t.Errorf("%s: channel %q, want %q", tt.name, got, tt.wantChannel)
		}
		if tt.want == "" {
			continue
		}
		b, err := s.encode(tt.m)
		if err != nil || string(b) != tt.want {
			t.Errorf("%s:\n got %s, %v\nwant %s", tt.name, b, err, tt.want)
		}
	}
	for _, mode := range []SubscriptionMode{SubscriptionStatic, SubscriptionDynamicPrivate} {
		s.mode = mode
		want := map[SubscriptionMode]string{SubscriptionStatic: "socket.io#/#", SubscriptionDynamicPrivate: "socket.io#/#" + sid + "#"}[mode]
		if got := s.computeChannel(tests[1].m); got != want {
			t.Errorf("%s mode: channel %q, want %q", mode, got, want)
		}
	}
}

func TestShardedBinaryIsMsgpack(t *testing.T) {
	t.Parallel()
	var got *adapter.Message
	s := &sharded{nsp: "/", uid: "me", channel: "socket.io#/#", deliver: func(m *adapter.Message) { got = m }}
	m := &adapter.Message{UID: "other", Type: adapter.MsgBroadcastAck, RequestID: "q",
		Packet: &parser.Packet{Type: parser.Ack, Data: json.RawMessage(`[{"_placeholder":true,"num":0}]`), Attachments: [][]byte{{5}}}}
	b, err := s.encode(m)
	if err != nil || b[0] == '{' {
		t.Fatalf("encode: %x, %v; want msgpack", b, err)
	}
	s.onMessage("socket.io#/#me#", b)
	if got == nil || got.Type != adapter.MsgBroadcastAck || got.RequestID != "q" || string(got.Packet.Attachments[0]) != "\x05" {
		t.Fatalf("decoded %+v", got)
	}
	got = nil
	s.onMessage("socket.io#/#", []byte(`{"uid":"n1","nsp":"/","type":11,"data":{"requestId":"q","clientCount":2}}`))
	if got == nil || got.ClientCount != 2 {
		t.Fatalf("client count: %+v", got)
	}
	got = nil
	s.onMessage("socket.io#/#", []byte(`{"uid":"me","nsp":"/","type":3,"data":{}}`))
	s.onMessage("socket.io#/#", []byte(`{"uid":"n1","nsp":"/other","type":3,"data":{}}`))
	if got != nil {
		t.Fatalf("own or other namespace's message delivered: %+v", got)
	}
}
