package msgpackparser_test

import (
	"encoding/hex"
	"errors"
	"testing"

	"github.com/duplexio/duplex/parser"
	"github.com/duplexio/duplex/parser/msgpackparser"
)

// The hex strings below were written by socket.io-msgpack-parser 3.0.2's
// Encoder (notepack.io 2.2.0) in Node, from the packet in each comment.
var nodeEncoded = []struct {
	name string
	hex  string
	want parser.Packet
}{
	// {type:0, data:{token:"abc"}, nsp:"/"}
	{"connect", "83a47479706500a46461746181a5746f6b656ea3616263a36e7370a12f",
		parser.Packet{Type: parser.Connect, Namespace: "/", Data: []byte(`{"token":"abc"}`)}},
	// {type:0, nsp:"/admin"}
	{"connect without data", "82a47479706500a36e7370a62f61646d696e",
		parser.Packet{Type: parser.Connect, Namespace: "/admin"}},
	// {type:2, data:["a", <bin 01>], data:["b", <bin 02>], nsp:"/"}: the last data wins
	{"repeated data", "84a47479706502a46461746192a161c40101a46461746192a162c40102a36e7370a12f",
		parser.Packet{Type: parser.Event, Namespace: "/",
			Data: []byte(`["b",{"_placeholder":true,"num":0}]`), Attachments: [][]byte{{2}}}},
	// {type:0, data:undefined, nsp:"/"}: the client's CONNECT without auth
	{"connect with undefined data", "83a47479706500a464617461d40000a36e7370a12f",
		parser.Packet{Type: parser.Connect, Namespace: "/"}},
	// {type:2, data:["chat", {n:1, f:1.5, neg:-200, big:4294967296, t:true, z:null, s:"é"}, [1,2]],
	//  options:{compress:true}, nsp:"/", id:7}
	{"event", "85a47479706502a46461746193a46368617487a16e01a166cb3ff8000000000000a36e6567d1ff38a3626967cf0000000100000000a174c3a17ac0a173a2c3a9920102a76f7074696f6e7381a8636f6d7072657373c3a36e7370a12fa2696407",
		parser.Packet{Type: parser.Event, Namespace: "/", ID: 7, HasID: true,
			Data: []byte(`["chat",{"n":1,"f":1.5,"neg":-200,"big":4294967296,"t":true,"z":null,"s":"é"},[1,2]]`)}},
	// {type:2, data:["file", Buffer.from([1,2,3]), {inner: Buffer.from([])}], nsp:"/"}
	{"binary", "83a47479706502a46461746193a466696c65c40301020381a5696e6e6572c400a36e7370a12f",
		parser.Packet{Type: parser.Event, Namespace: "/",
			Data:        []byte(`["file",{"_placeholder":true,"num":0},{"inner":{"_placeholder":true,"num":1}}]`),
			Attachments: [][]byte{{1, 2, 3}, {}}}},
	// {type:3, data:["ok"], nsp:"/chat", id:12}
	{"ack", "84a47479706503a46461746191a26f6ba36e7370a52f63686174a269640c",
		parser.Packet{Type: parser.Ack, Namespace: "/chat", ID: 12, HasID: true, Data: []byte(`["ok"]`)}},
	// {type:1, nsp:"/"}
	{"disconnect", "82a47479706501a36e7370a12f", parser.Packet{Type: parser.Disconnect, Namespace: "/"}},
	// {type:4, data:{message:"no"}, nsp:"/"}
	{"connect error", "83a47479706504a46461746181a76d657373616765a26e6fa36e7370a12f",
		parser.Packet{Type: parser.ConnectError, Namespace: "/", Data: []byte(`{"message":"no"}`)}},
	// {type:2, data:["d", new Date(1700000000123)], nsp:"/"}
	{"date", "83a47479706502a46461746192a164d7000000018bcfe5687ba36e7370a12f",
		parser.Packet{Type: parser.Event, Namespace: "/", Data: []byte(`["d","2023-11-14T22:13:20.123Z"]`)}},
	// {type:2, data:["u", undefined], nsp:"/"}
	{"undefined", "83a47479706502a46461746192a175d40000a36e7370a12f",
		parser.Packet{Type: parser.Event, Namespace: "/", Data: []byte(`["u",null]`)}},
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeNodeEncoded(t *testing.T) {
	t.Parallel()
	for _, tc := range nodeEncoded {
		t.Run(tc.name, func(t *testing.T) {
			msg := mustHex(t, tc.hex)
			p, err := msgpackparser.Decode(msg)
			if err != nil {
				t.Fatal(err)
			}
			for i := range msg { // the packet must not alias the message
				msg[i] = 0
			}
			checkPacket(t, p, &tc.want)
		})
	}
}

func checkPacket(t *testing.T, got, want *parser.Packet) {
	t.Helper()
	if got.Type != want.Type || got.Namespace != want.Namespace || got.ID != want.ID || got.HasID != want.HasID {
		t.Errorf("header = %v %q %d %v, want %v %q %d %v", got.Type, got.Namespace, got.ID, got.HasID,
			want.Type, want.Namespace, want.ID, want.HasID)
	}
	if string(got.Data) != string(want.Data) || (got.Data == nil) != (want.Data == nil) {
		t.Errorf("data = %s, want %s", got.Data, want.Data)
	}
	if len(got.Attachments) != len(want.Attachments) {
		t.Fatalf("attachments = %q, want %q", got.Attachments, want.Attachments)
	}
	for i := range got.Attachments {
		if string(got.Attachments[i]) != string(want.Attachments[i]) {
			t.Errorf("attachment %d = %x, want %x", i, got.Attachments[i], want.Attachments[i])
		}
	}
}

func TestDecodeRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, hex string }{
		{"empty", ""},
		{"not a map", "93010203"},
		{"no type", "81a36e7370a12f"},
		{"no nsp", "81a47479706502"},
		{"type 5", "82a47479706505a36e7370a12f"},
		{"type string", "82a474797065a132a36e7370a12f"},
		{"nsp not a string", "82a47479706501a36e737001"},
		{"null data", "83a47479706502a464617461c0a36e7370a12f"},
		{"event data not an array", "83a47479706502a46461746101a36e7370a12f"},
		{"empty event", "83a47479706502a46461746190a36e7370a12f"},
		{"reserved event", "83a47479706502a46461746191a7636f6e6e656374a36e7370a12f"},
		{"ack without id", "83a47479706503a46461746190a36e7370a12f"},
		{"negative id", "84a47479706502a46461746191a161a36e7370a12fa26964ff"},
		{"float id", "84a47479706502a46461746191a161a36e7370a12fa26964cb3ff8000000000000"},
		{"disconnect with data", "83a47479706501a46461746180a36e7370a12f"},
		{"namespace without slash", "82a47479706501a36e7370a161"},
		{"trailing bytes", "82a47479706501a36e7370a12f00"},
		{"truncated", "82a47479706501a36e7370a2"},
		{"unknown extension", "83a47479706502a46461746192a175d40500a36e7370a12f"},
		{"array key", "83a47479706502a46461746192a17581900aa36e7370a12f"},
		{"huge string length", "83a47479706502a46461746191dbffffffff"},
		{"huge array length", "83a47479706502a464617461ddffffffff"},
		{"huge ext length", "83a47479706502a46461746192a175c9ffffffff00"},
		{"reserved code", "83a47479706502a46461746192a175c1a36e7370a12f"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := msgpackparser.Decode(mustHex(t, tc.hex))
			if !errors.Is(err, parser.ErrInvalidPacket) {
				t.Fatalf("Decode = %+v, %v; want ErrInvalidPacket", p, err)
			}
		})
	}
}

func TestDecodeDepth(t *testing.T) {
	t.Parallel()
	msg := mustHex(t, "83a47479706502a36e7370a12fa464617461")
	msg = append(msg, 0x92, 0xa1, 'a')
	for range 20000 {
		msg = append(msg, 0x91)
	}
	msg = append(msg, 0x90)
	if _, err := msgpackparser.Decode(msg); !errors.Is(err, parser.ErrInvalidPacket) {
		t.Fatalf("Decode of 20,000 nested arrays: %v, want ErrInvalidPacket", err)
	}
}
