package natsadapter

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/internal/eiotest"
	"github.com/duplexio/duplex/parser"
)

func TestMain(m *testing.M) { eiotest.CheckLeaks(m) }

func TestEscapeNamespace(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"/", "_2F"},
		{"/chat", "_2Fchat"},
		{"/a.b*c>d e", "_2Fa_2Eb_2Ac_3Ed_20e"},
		{"/a_2F", "_2Fa_5F2F"}, // '_' is escaped too: no two names collide
		{"/é", "_2F_C3_A9"},
	}
	for _, tt := range tests {
		if got := EscapeNamespace(tt.in); got != tt.want {
			t.Errorf("EscapeNamespace(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWireFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		m    *adapter.Message
		want string
	}{
		{&adapter.Message{UID: "u1", Type: msgHeartbeat}, `{"uid":"u1","nsp":"/","type":2}`},
		{&adapter.Message{UID: "u1", Type: adapter.MsgBroadcast,
			Packet: &parser.Packet{Type: parser.Event, Namespace: "/", Data: json.RawMessage(`["e",{"_placeholder":true,"num":0}]`), Attachments: [][]byte{{1, 2}}},
			Opts:   &adapter.BroadcastOptions{Rooms: []string{"r"}, Except: []string{"x"}, Flags: adapter.BroadcastFlags{Volatile: true, Timeout: time.Second}}},
			`{"uid":"u1","nsp":"/","type":3,"data":{"packet":{"type":2,"data":["e",{"_placeholder":true,"num":0}],"attachments":["AQI="]},"opts":{"rooms":["r"],"except":["x"],"flags":{"volatile":true,"timeout":1000}}}}`},
		{&adapter.Message{UID: "u2", Type: adapter.MsgBroadcastClientCount, RequestID: "q"},
			`{"uid":"u2","nsp":"/","type":11,"data":{"requestId":"q","clientCount":0}}`},
		{&adapter.Message{UID: "u2", Type: adapter.MsgFetchSocketsResponse, RequestID: "q"},
			`{"uid":"u2","nsp":"/","type":8,"data":{"requestId":"q"}}`},
		{&adapter.Message{UID: "u2", Type: adapter.MsgServerSideEmitResponse, RequestID: "q", Data: json.RawMessage(`11`)},
			`{"uid":"u2","nsp":"/","type":10,"data":{"requestId":"q","answer":11}}`},
		{&adapter.Message{UID: "u1", Type: adapter.MsgSocketsJoin, Opts: &adapter.BroadcastOptions{Rooms: []string{"a"}}, Rooms: []string{"b"}},
			`{"uid":"u1","nsp":"/","type":4,"data":{"opts":{"rooms":["a"],"except":null,"flags":{}},"rooms":["b"]}}`},
	}
	for _, tt := range tests {
		b, err := encode("/", tt.m)
		if err != nil || string(b) != tt.want {
			t.Errorf("encode type %d:\n got %s, %v\nwant %s", tt.m.Type, b, err, tt.want)
			continue
		}
		back, nsp, err := decode(b)
		if err != nil || nsp != "/" {
			t.Fatalf("decode %s: %v", b, err)
		}
		if !reflect.DeepEqual(back, tt.m) {
			t.Errorf("round trip of type %d:\n got %+v\nwant %+v", tt.m.Type, back, tt.m)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"uid":"u1","nsp":"/","type":3,"data":{"packet":{"type":2,"data":["e"]},"opts":{"rooms":["r"]}}}`))
	f.Add([]byte(`{"uid":"u2","nsp":"/","type":8,"data":{"requestId":"q","sockets":[{"id":"s","rooms":["s"]}]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, nsp, err := decode(b)
		if err != nil {
			return
		}
		if _, err := encode(nsp, m); err != nil {
			t.Fatalf("re-encode: %v", err)
		}
	})
}
