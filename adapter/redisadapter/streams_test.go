package redisadapter

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/parser"
)

// The expected data fields are what Node's RedisStreamsAdapter 0.3.1
// wrote for the same operations (test/cluster TestStreamsEntryFormat
// compares the two live).
func TestStreamsEntryMatchesNode(t *testing.T) {
	t.Parallel()
	opts := func(rooms, except []string) *adapter.BroadcastOptions {
		return &adapter.BroadcastOptions{Rooms: rooms, Except: except}
	}
	tests := []struct {
		name string
		m    *adapter.Message
		want string
	}{
		{"broadcast", &adapter.Message{UID: "u", Type: adapter.MsgBroadcast, Opts: opts([]string{"r"}, []string{"x"}),
			Packet: &parser.Packet{Type: parser.Event, Data: json.RawMessage(`["e",1,"s",{"k":true}]`)}},
			`{"packet":{"type":2,"data":["e",1,"s",{"k":true}]},"opts":{"rooms":["r"],"except":["x"],"flags":{}}}`},
		{"binary broadcast", &adapter.Message{UID: "u", Type: adapter.MsgBroadcast, Opts: opts(nil, nil),
			Packet: &parser.Packet{Type: parser.BinaryEvent, Data: json.RawMessage(`["b",{"_placeholder":true,"num":0}]`), Attachments: [][]byte{{1, 2, 3}}}},
			"gqZwYWNrZXSCpHR5cGUCpGRhdGGSoWLEAwECA6RvcHRzg6Vyb29tc5CmZXhjZXB0kKVmbGFnc4A="},
		{"socketsJoin", &adapter.Message{UID: "u", Type: adapter.MsgSocketsJoin, Opts: opts([]string{"a"}, nil), Rooms: []string{"j"}},
			`{"opts":{"rooms":["a"],"except":[],"flags":{}},"rooms":["j"]}`},
		{"disconnectSockets", &adapter.Message{UID: "u", Type: adapter.MsgDisconnectSockets, Opts: opts([]string{"a"}, nil), Close: true},
			`{"opts":{"rooms":["a"],"except":[],"flags":{}},"close":true}`},
		{"no HTML escaping", &adapter.Message{UID: "u", Type: adapter.MsgBroadcast, Opts: opts(nil, nil),
			Packet: &parser.Packet{Type: parser.Event, Data: json.RawMessage(`["<&>"]`)}},
			`{"packet":{"type":2,"data":["<&>"]},"opts":{"rooms":[],"except":[],"flags":{}}}`},
	}
	s := &streams{nsp: "/"}
	for _, tt := range tests {
		values, err := s.entry(tt.m)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		want := []string{"uid", "u", "nsp", "/", "type", fmt.Sprint(int(tt.m.Type)), "data", tt.want}
		if fmt.Sprintf("%q", values) != fmt.Sprintf("%q", want) {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, values, want)
		}
		back, err := decodeEntry("/", map[string]any{"uid": values[1], "nsp": values[3], "type": values[5], "data": values[7]})
		if err != nil || back.Type != tt.m.Type {
			t.Errorf("%s: decoded %+v, %v", tt.name, back, err)
		}
	}
}

func TestStreamsEphemeral(t *testing.T) {
	t.Parallel()
	for typ, want := range map[adapter.MessageType]bool{
		adapter.MsgBroadcast: false, adapter.MsgSocketsJoin: false, adapter.MsgSocketsLeave: false,
		adapter.MsgDisconnectSockets: false, adapter.MsgFetchSockets: true, adapter.MsgServerSideEmit: true,
		adapter.MsgAllRooms: true,
	} {
		if got := ephemeral(&adapter.Message{Type: typ}); got != want {
			t.Errorf("ephemeral(%d) = %v", typ, got)
		}
	}
	if !ephemeral(&adapter.Message{Type: adapter.MsgBroadcast, RequestID: "q"}) {
		t.Error("a broadcast with ack goes through the stream")
	}
}

// A session as Node's socket.io persists it: base64 msgpack of {sid, pid,
// rooms, data}, members in that order.
func TestStreamsSessionFormat(t *testing.T) {
	t.Parallel()
	raw, err := marshalMsgpack(wireSession{SID: "s", PID: "p", Rooms: []string{"s", "r"}, Data: plainData(struct {
		N int `json:"n"`
	}{7})})
	if err != nil {
		t.Fatal(err)
	}
	// @msgpack/msgpack's encode({sid: "s", pid: "p", rooms: ["s", "r"], data: {n: 7}})
	const want = "hKNzaWShc6NwaWShcKVyb29tc5Khc6FypGRhdGGBoW4H"
	if got := base64.StdEncoding.EncodeToString(raw); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	s, err := decodeSession(want)
	if err != nil || s.SID != "s" || s.PID != "p" || fmt.Sprint(s.Rooms) != "[s r]" || fmt.Sprint(s.Data) != "map[n:7]" {
		t.Errorf("decoded %+v, %v", s, err)
	}
	for _, bad := range []string{"", "!!", "kA==" /* [] */, "gaNzaWTA" /* {sid: nil} */} {
		if _, err := decodeSession(bad); err == nil {
			t.Errorf("decodeSession(%q) accepted", bad)
		}
	}
}

func TestStreamsOffsets(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"1-0": "1-1", "1700000000000-9": "1700000000000-10"} {
		if got := nextOffset(in); got != want {
			t.Errorf("nextOffset(%s) = %s", in, got)
		}
	}
	for off, ok := range map[string]bool{"1-0": true, "12-345": true, "": false, "1": false, "a-1": false, "1-1\n": false, "-1": false} {
		if offsetPattern.MatchString(off) != ok {
			t.Errorf("offset %q accepted: %v", off, !ok)
		}
	}
}
