package redisadapter

import (
	"encoding/hex"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/internal/eiotest"
	"github.com/duplexio/duplex/parser"
)

func TestMain(m *testing.M) { eiotest.CheckLeaks(m) }

// The expected bytes are what notepack.io (the Node adapters' msgpack
// codec) produces for the same objects, written out by
// node -e 'require("notepack.io").encode(...)'.
func TestClassicEncodingMatchesNode(t *testing.T) {
	t.Parallel()
	c := &classic{nsp: "/", uid: "abc", bcast: "socket.io#/#", req: "socket.io-request#/#", resp: "socket.io-response#/#"}
	bin := &parser.Packet{Type: parser.Event, Data: json.RawMessage(`["hello",{"_placeholder":true,"num":0}]`), Attachments: [][]byte{{1, 2}}}
	tests := []struct {
		name        string
		m           *adapter.Message
		wantChannel string
		wantHex     string
	}{
		{
			name:        "broadcast to one room, binary",
			m:           &adapter.Message{UID: "abc", Type: adapter.MsgBroadcast, Packet: bin, Opts: &adapter.BroadcastOptions{Rooms: []string{"r"}}},
			wantChannel: "socket.io#/#r#",
			// ["abc",{type:2,data:["hello",<Buffer 01 02>],nsp:"/"},{rooms:["r"],except:[],flags:{}}]
			wantHex: "93a361626383a47479706502a46461746192a568656c6c6fc4020102a36e7370a12f83a5726f6f6d7391a172a665786365707490a5666c61677380",
		},
		{
			name: "broadcast with acks",
			m: &adapter.Message{UID: "abc", Type: adapter.MsgBroadcast, RequestID: "xyz",
				Packet: &parser.Packet{Type: parser.Event, Data: json.RawMessage(`["q",1000]`), ID: 3, HasID: true},
				Opts:   &adapter.BroadcastOptions{Flags: adapter.BroadcastFlags{Timeout: 5 * time.Second}}},
			wantChannel: "socket.io-request#/#",
			// {uid:"abc",requestId:"xyz",type:7,packet:{type:2,data:["q",1000],nsp:"/"},opts:{rooms:[],except:[],flags:{timeout:5000}}}
			wantHex: "85a3756964a3616263a9726571756573744964a378797aa47479706507a67061636b657483a47479706502a46461746192a171cd03e8a36e7370a12fa46f70747383a5726f6f6d7390a665786365707490a5666c61677381a774696d656f7574cd1388",
		},
	}
	for _, tt := range tests {
		channel, payload, err := c.encodeRequest(tt.m)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if channel != tt.wantChannel || hex.EncodeToString(payload) != tt.wantHex {
			t.Errorf("%s:\n got %s %x\nwant %s %s", tt.name, channel, payload, tt.wantChannel, tt.wantHex)
		}
	}
}

func TestClassicJSONRequests(t *testing.T) {
	t.Parallel()
	c := &classic{nsp: "/", uid: "abc", req: "socket.io-request#/#"}
	tests := []struct {
		m    *adapter.Message
		want string
	}{
		{&adapter.Message{UID: "abc", Type: adapter.MsgSocketsJoin, Opts: &adapter.BroadcastOptions{Rooms: []string{"a"}}, Rooms: []string{"b"}},
			`{"uid":"abc","type":2,"opts":{"rooms":["a"],"except":[]},"rooms":["b"]}`},
		{&adapter.Message{UID: "abc", Type: adapter.MsgDisconnectSockets, Opts: &adapter.BroadcastOptions{}},
			`{"uid":"abc","type":4,"opts":{"rooms":[],"except":[]},"close":false}`},
		{&adapter.Message{UID: "abc", Type: adapter.MsgFetchSockets, RequestID: "r1", Opts: &adapter.BroadcastOptions{Except: []string{"x"}}},
			`{"uid":"abc","type":5,"requestId":"r1","opts":{"rooms":[],"except":["x"]}}`},
		{&adapter.Message{UID: "abc", Type: adapter.MsgServerSideEmit, RequestID: "r2", Packet: &parser.Packet{Data: json.RawMessage(`["ping",1]`)}},
			`{"uid":"abc","type":6,"requestId":"r2","data":["ping",1]}`},
	}
	for _, tt := range tests {
		_, payload, err := c.encodeRequest(tt.m)
		if err != nil || string(payload) != tt.want {
			t.Errorf("got %s, %v\nwant %s", payload, err, tt.want)
		}
	}
}

func TestClassicDecodesNodeMessages(t *testing.T) {
	t.Parallel()
	var got []*adapter.Message
	c := &classic{nsp: "/", uid: "me", bcast: "socket.io#/#", req: "socket.io-request#/#", resp: "socket.io-response#/#",
		specific: "socket.io-response#/#me#", deliver: func(m *adapter.Message) { got = append(got, m) }}
	broadcast, _ := hex.DecodeString("93a361626383a47479706502a46461746192a568656c6c6fc4020102a36e7370a12f83a5726f6f6d7391a172a665786365707490a5666c61677380")
	ack, _ := hex.DecodeString("83a47479706509a9726571756573744964a378797aa67061636b6574c40105")
	c.onMessage("socket.io#/#r#", broadcast)
	c.onMessage("socket.io-response#/#me#", ack)
	c.onMessage("socket.io-response#/#", []byte(`{"requestId":"f1","sockets":[{"id":"s","handshake":{"headers":{"a":["1","2"]},"query":{},"issued":1.7e12,"auth":{}},"rooms":["s",1],"data":{"k":2}}]}`))
	c.onMessage("socket.io-request#/#", []byte(`{"type":3,"opts":{"rooms":["x"],"except":[]},"rooms":["y"]}`))
	if len(got) != 4 {
		t.Fatalf("got %d messages", len(got))
	}
	if p := got[0].Packet; string(p.Data) != `["hello",{"_placeholder":true,"num":0}]` || string(p.Attachments[0]) != "\x01\x02" || got[0].Opts.Rooms[0] != "r" {
		t.Errorf("broadcast: %s %v %+v", p.Data, p.Attachments, got[0].Opts)
	}
	if p := got[1].Packet; got[1].Type != adapter.MsgBroadcastAck || string(p.Data) != `[{"_placeholder":true,"num":0}]` || string(p.Attachments[0]) != "\x05" {
		t.Errorf("ack: %+v", got[1])
	}
	if s := got[2].Sockets; len(s) != 1 || !slices.Equal(s[0].Handshake.Header["A"], []string{"1", "2"}) || s[0].Rooms[1] != "1" || s[0].Data.(map[string]any)["k"] != 2.0 {
		t.Errorf("fetch response: %+v", got[2])
	}
	if got[3].Type != adapter.MsgSocketsLeave || got[3].UID != "" || got[3].Rooms[0] != "y" {
		t.Errorf("emitter's socketsLeave: %+v", got[3])
	}
}
