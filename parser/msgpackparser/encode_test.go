package msgpackparser_test

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/duplexio/duplex/parser"
	"github.com/duplexio/duplex/parser/msgpackparser"
)

// The expected hex strings were written by socket.io-msgpack-parser 3.0.2's
// Encoder in Node from the packet in each comment: Encode must write the
// same bytes.
func TestEncodeAsNode(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 40)
	for _, tc := range []struct {
		name string
		p    parser.Packet
		hex  string
	}{
		// {type:2, data:["chat", {n:1, f:1.5, neg:-200, big:4294967296, t:true, z:null, s:"é",
		//  m:-5e-324, long:"x".repeat(40)}, [9007199254740992, 2]], nsp:"/", id:7}
		{"event", parser.Packet{Type: parser.Event, Namespace: "/", ID: 7, HasID: true,
			Data: []byte(`["chat",{"n":1,"f":1.5,"neg":-200,"big":4294967296,"t":true,"z":null,"s":"\u00e9","m":-5e-324,"long":"` + long + `"},[9007199254740992,2.0]]`)},
			"84a47479706502a46461746193a46368617489a16e01a166cb3ff8000000000000a36e6567d1ff38a3626967cf0000000100000000a174c3a17ac0a173a2c3a9a16dcb8000000000000001a46c6f6e67d9287878787878787878787878787878787878787878787878787878787878787878787878787878787892cf002000000000000002a36e7370a12fa2696407"},
		// {type:3, data:[Buffer.from([1,2,3]), {inner: Buffer.from([])}], nsp:"/chat", id:1}
		{"binary ack", parser.Packet{Type: parser.Ack, Namespace: "/chat", ID: 1, HasID: true,
			Data:        []byte(`[{"_placeholder":true,"num":0},{"inner":{"num":1,"_placeholder":true}}]`),
			Attachments: [][]byte{{1, 2, 3}, {}}},
			"84a47479706503a46461746192c40301020381a5696e6e6572c400a36e7370a52f63686174a2696401"},
		// {type:0, data:{sid:"abc"}, nsp:"/"}
		{"connect", parser.Packet{Type: parser.Connect, Data: []byte(`{"sid":"abc"}`)},
			"83a47479706500a46461746181a3736964a3616263a36e7370a12f"},
		// {type:1, nsp:"/x"}
		{"disconnect", parser.Packet{Type: parser.Disconnect, Namespace: "/x"}, "82a47479706501a36e7370a22f78"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := msgpackparser.Encode(&tc.p)
			if err != nil {
				t.Fatal(err)
			}
			if h := hex.EncodeToString(got); h != tc.hex {
				t.Errorf("Encode =\n%s\nwant\n%s", h, tc.hex)
			}
		})
	}
}

// A placeholder-shaped object is a binary only when it names an attachment,
// as socket.io-parser reconstructs packets.
func TestEncodePlaceholderWithoutAttachment(t *testing.T) {
	t.Parallel()
	p := parser.Packet{Type: parser.Event, Data: []byte(`["e",{"_placeholder":true,"num":1}]`), Attachments: [][]byte{{9}}}
	got, err := msgpackparser.Encode(&p)
	if err != nil {
		t.Fatal(err)
	}
	back, err := msgpackparser.Decode(got)
	if err != nil {
		t.Fatal(err)
	}
	if string(back.Data) != `["e",{"_placeholder":true,"num":1}]` || len(back.Attachments) != 0 {
		t.Errorf("round trip = %s %q", back.Data, back.Attachments)
	}
}

func TestEncodeRefusesInvalidJSON(t *testing.T) {
	t.Parallel()
	for _, data := range []string{`["a"`, `["a"] x`, `[1e999999]x`} {
		p := parser.Packet{Type: parser.Event, Data: []byte(data)}
		if _, err := msgpackparser.Encode(&p); err == nil {
			t.Errorf("Encode(%s) = nil error", data)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tc := range nodeEncoded {
		msg := mustHex(t, tc.hex)
		p, err := msgpackparser.Decode(msg)
		if err != nil {
			t.Fatal(err)
		}
		enc, err := msgpackparser.Encode(p)
		if err != nil {
			t.Fatal(err)
		}
		back, err := msgpackparser.Decode(enc)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		checkPacket(t, back, p)
	}
}
