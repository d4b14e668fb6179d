package parser

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// decodeAll feeds text and then each binary message to a new Decoder and
// returns the packet completed by the last message.
func decodeAll(d *Decoder, text string, bins ...[]byte) (*Packet, error) {
	p, err := d.DecodeText([]byte(text))
	if err != nil {
		return nil, err
	}
	for i, b := range bins {
		if p != nil {
			return nil, fmt.Errorf("packet complete before attachment %d", i)
		}
		if p, err = d.DecodeBinary(b); err != nil {
			return nil, err
		}
	}
	if p == nil {
		return nil, errors.New("packet incomplete")
	}
	return p, nil
}

func TestDecode(t *testing.T) {
	t.Parallel()
	bin := []byte{1, 2, 3}
	tests := []struct {
		name string
		text string
		bins [][]byte
		want Packet
	}{
		{"connect /", "0", nil, Packet{Type: Connect, Namespace: "/"}},
		{"connect / explicit", "0/,", nil, Packet{Type: Connect, Namespace: "/"}},
		{"connect with auth", `0{"token":"123"}`, nil, Packet{Type: Connect, Namespace: "/", Data: []byte(`{"token":"123"}`)}},
		{"connect admin", "0/admin,", nil, Packet{Type: Connect, Namespace: "/admin"}},
		{"connect admin without comma", "0/admin", nil, Packet{Type: Connect, Namespace: "/admin"}},
		{"connect admin with auth", `0/admin,{"token":"x"}`, nil, Packet{Type: Connect, Namespace: "/admin", Data: []byte(`{"token":"x"}`)}},
		{"disconnect", "1", nil, Packet{Type: Disconnect, Namespace: "/"}},
		{"disconnect admin", "1/admin,", nil, Packet{Type: Disconnect, Namespace: "/admin"}},
		{"event", `2["hello",1]`, nil, Packet{Type: Event, Namespace: "/", Data: []byte(`["hello",1]`)}},
		{"event admin", `2/admin,["a"]`, nil, Packet{Type: Event, Namespace: "/admin", Data: []byte(`["a"]`)}},
		{"event with ack", `212["ev"]`, nil, Packet{Type: Event, Namespace: "/", ID: 12, HasID: true, Data: []byte(`["ev"]`)}},
		{"event admin with ack", `2/admin,0["ev"]`, nil, Packet{Type: Event, Namespace: "/admin", ID: 0, HasID: true, Data: []byte(`["ev"]`)}},
		{"event with number name", `2[1,"a",{}]`, nil, Packet{Type: Event, Namespace: "/", Data: []byte(`[1,"a",{}]`)}},
		{"event with negative number name", `2[-1.5e3]`, nil, Packet{Type: Event, Namespace: "/", Data: []byte(`[-1.5e3]`)}},
		{"event name like a reserved one", `2["Connect"]`, nil, Packet{Type: Event, Namespace: "/", Data: []byte(`["Connect"]`)}},
		{"event name with escape", `2["a\"b"]`, nil, Packet{Type: Event, Namespace: "/", Data: []byte(`["a\"b"]`)}},
		{"event with spaces", "2[ \"a\" ,\t1\r\n] ", nil, Packet{Type: Event, Namespace: "/", Data: []byte("[ \"a\" ,\t1\r\n] ")}},
		{"event max id", `29999999999999999["a"]`, nil, Packet{Type: Event, Namespace: "/", ID: 9999999999999999, HasID: true, Data: []byte(`["a"]`)}},
		{"event id with leading zero", `2007["a"]`, nil, Packet{Type: Event, Namespace: "/", ID: 7, HasID: true, Data: []byte(`["a"]`)}},
		{"invalid UTF-8 is the transport's business", "2[\"a\xff\"]", nil, Packet{Type: Event, Namespace: "/", Data: []byte("[\"a\xff\"]")}},
		{"event namespace with unicode", `2/ünï,["a"]`, nil, Packet{Type: Event, Namespace: "/ünï", Data: []byte(`["a"]`)}},
		{"ack", `3/admin,13["bar"]`, nil, Packet{Type: Ack, Namespace: "/admin", ID: 13, HasID: true, Data: []byte(`["bar"]`)}},
		{"ack empty", `31[]`, nil, Packet{Type: Ack, Namespace: "/", ID: 1, HasID: true, Data: []byte(`[]`)}},
		{"connect error object", `4{"message":"Invalid namespace"}`, nil, Packet{Type: ConnectError, Namespace: "/", Data: []byte(`{"message":"Invalid namespace"}`)}},
		{"connect error string", `4/admin,"Unauthorized"`, nil, Packet{Type: ConnectError, Namespace: "/admin", Data: []byte(`"Unauthorized"`)}},
		{"binary event", `51-["hello",{"_placeholder":true,"num":0}]`, [][]byte{bin},
			Packet{Type: Event, Namespace: "/", Data: []byte(`["hello",{"_placeholder":true,"num":0}]`), Attachments: [][]byte{bin}}},
		{"binary ack", `61-/admin,13[{"_placeholder":true,"num":0}]`, [][]byte{bin},
			Packet{Type: Ack, Namespace: "/admin", ID: 13, HasID: true, Data: []byte(`[{"_placeholder":true,"num":0}]`), Attachments: [][]byte{bin}}},
		{"binary event two attachments", `52-["up",{"a":{"_placeholder":true,"num":1}},[{"_placeholder":true,"num":0}]]`, [][]byte{bin, {}},
			Packet{Type: Event, Namespace: "/", Data: []byte(`["up",{"a":{"_placeholder":true,"num":1}},[{"_placeholder":true,"num":0}]]`), Attachments: [][]byte{bin, {}}}},
		{"binary event placeholder reused", `52-["x",{"_placeholder":true,"num":0},{"_placeholder":true,"num":0}]`, [][]byte{bin, bin},
			Packet{Type: Event, Namespace: "/", Data: []byte(`["x",{"_placeholder":true,"num":0},{"_placeholder":true,"num":0}]`), Attachments: [][]byte{bin, bin}}},
		{"binary event without placeholder", `51-["x"]`, [][]byte{bin},
			Packet{Type: Event, Namespace: "/", Data: []byte(`["x"]`), Attachments: [][]byte{bin}}},
		{"binary event ten attachments", `510-["x"]`, [][]byte{bin, bin, bin, bin, bin, bin, bin, bin, bin, bin},
			Packet{Type: Event, Namespace: "/", Data: []byte(`["x"]`), Attachments: [][]byte{bin, bin, bin, bin, bin, bin, bin, bin, bin, bin}}},
		{"placeholder text in a string", `2["_placeholder",{"s":"{\"_placeholder\":true,\"num\":9}"}]`, nil,
			Packet{Type: Event, Namespace: "/", Data: []byte(`["_placeholder",{"s":"{\"_placeholder\":true,\"num\":9}"}]`)}},
		{"placeholder in a plain event is data", `2["x",{"_placeholder":true,"num":5}]`, nil,
			Packet{Type: Event, Namespace: "/", Data: []byte(`["x",{"_placeholder":true,"num":5}]`)}},
		{"placeholder false", `51-["x",{"_placeholder":false,"num":7}]`, [][]byte{bin},
			Packet{Type: Event, Namespace: "/", Data: []byte(`["x",{"_placeholder":false,"num":7}]`), Attachments: [][]byte{bin}}},
		{"placeholder shadowed by a duplicate key", `51-["x",{"k":{"_placeholder":true,"num":5},"k":1}]`, [][]byte{bin},
			Packet{Type: Event, Namespace: "/", Data: []byte(`["x",{"k":{"_placeholder":true,"num":5},"k":1}]`), Attachments: [][]byte{bin}}},
		{"placeholder shadowed by an escaped duplicate key", `51-["x",{"k":[{"_placeholder":true,"num":5}],"\u006b":1}]`, [][]byte{bin},
			Packet{Type: Event, Namespace: "/", Data: []byte(`["x",{"k":[{"_placeholder":true,"num":5}],"\u006b":1}]`), Attachments: [][]byte{bin}}},
		{"placeholder num 0.0", `51-["x",{"_placeholder":true,"num":0.0}]`, [][]byte{bin},
			Packet{Type: Event, Namespace: "/", Data: []byte(`["x",{"_placeholder":true,"num":0.0}]`), Attachments: [][]byte{bin}}},
		{"placeholder wins over its content", `51-["x",{"_placeholder":true,"num":0,"n":{"_placeholder":true,"num":9}}]`, [][]byte{bin},
			Packet{Type: Event, Namespace: "/", Data: []byte(`["x",{"_placeholder":true,"num":0,"n":{"_placeholder":true,"num":9}}]`), Attachments: [][]byte{bin}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := decodeAll(&Decoder{}, tt.text, tt.bins...)
			if err != nil {
				t.Fatalf("decode %q: %v", tt.text, err)
			}
			assertPacket(t, got, &tt.want)
		})
	}
}

func TestDecodeInvalid(t *testing.T) {
	t.Parallel()
	bin := []byte{1}
	tests := []struct {
		text   string
		bins   [][]byte
		detail string
	}{
		{"", nil, "empty message"},
		{"7", nil, "unknown packet type '7'"},
		{"9[]", nil, "unknown packet type '9'"},
		{" 2[\"a\"]", nil, "unknown packet type ' '"},
		{"2", nil, "EVENT without data"},
		{"2[]", nil, "EVENT data is an empty array"},
		{"2{}", nil, "EVENT data is not an array"},
		{`2"a"`, nil, "EVENT data is not an array"},
		{`2/admin,{}`, nil, "EVENT data is not an array"},
		{`2["connect"]`, nil, `reserved event name "connect"`},
		{`2["connect_error"]`, nil, `reserved event name "connect_error"`},
		{`2["disconnect","123"]`, nil, `reserved event name "disconnect"`},
		{`2["disconnecting"]`, nil, `reserved event name "disconnecting"`},
		{`2["newListener"]`, nil, `reserved event name "newListener"`},
		{`2["removeListener"]`, nil, `reserved event name "removeListener"`},
		{`2["\u0063onnect"]`, nil, `reserved event name "connect"`},
		{`2[{"toString":"foo"}]`, nil, "event name is neither a string nor a number"},
		{`2[true,"foo"]`, nil, "event name is neither a string nor a number"},
		{`2[null,"bar"]`, nil, "event name is neither a string nor a number"},
		{`2[["a"]]`, nil, "event name is neither a string nor a number"},
		{`2[1`, nil, "EVENT data is not valid JSON"},
		{`2["a"]garbage`, nil, "EVENT data is not valid JSON"},
		{`2["a"]]`, nil, "EVENT data is not valid JSON"},
		{`2["a"`, nil, "EVENT data is not valid JSON"},
		{`2/admin,"invalid`, nil, "EVENT data is not valid JSON"},
		{`2/nsp["a"]`, nil, "EVENT without data"}, // the namespace runs to the end: `/nsp["a"]`
		{`2,["a"]`, nil, "EVENT data is not valid JSON"},
		{`2 `, nil, "whitespace before EVENT data"},
		{`2 ["a"]`, nil, "whitespace before EVENT data"}, // socket.io-parser: ack id 0
		{"2/admin,\n[\"a\"]", nil, "whitespace before EVENT data"},
		{`212 ["a"]`, nil, "whitespace before EVENT data"},
		{`0 {}`, nil, "whitespace before CONNECT data"},
		{`299999999999999999["a"]`, nil, "ack id longer than 16 digits"},
		{`2/admin,`, nil, "EVENT without data"},
		{`2/admin,12`, nil, "EVENT without data"},
		{`3["a"]`, nil, "ACK without an ack id"},
		{`3/admin,["a"]`, nil, "ACK without an ack id"},
		{`31`, nil, "ACK without data"},
		{`31{}`, nil, "ACK data is not an array"},
		{`31"a"`, nil, "ACK data is not an array"},
		{`0["x"]`, nil, "CONNECT data is not an object"},
		{`0[]`, nil, "CONNECT data is not an object"},
		{`0/admin,"invalid"`, nil, "CONNECT data is not an object"},
		{`0null`, nil, "CONNECT data is not an object"},
		{`0{`, nil, "CONNECT data is not valid JSON"},
		{`01{}`, nil, "ack id on a CONNECT packet"},
		{`0/admin,1`, nil, "ack id on a CONNECT packet"},
		{`1{"a":1}`, nil, "DISCONNECT with data"},
		{`1/admin,{}`, nil, "DISCONNECT with data"},
		{`1 `, nil, "DISCONNECT with data"},
		{`11`, nil, "ack id on a DISCONNECT packet"},
		{`4`, nil, "CONNECT_ERROR without data"},
		{`4[]`, nil, "CONNECT_ERROR data is neither a string nor an object"},
		{`41"x"`, nil, "ack id on a CONNECT_ERROR packet"},
		{`442["some","data"`, nil, "ack id on a CONNECT_ERROR packet"},
		{`5`, nil, "missing attachment count"},
		{`5-["a"]`, nil, "missing attachment count"},
		{`51`, nil, "missing '-' after attachment count"},
		{`51["a"]`, nil, "missing '-' after attachment count"},
		{`50-["a"]`, nil, "attachment count 0"},
		{`5a-["a"]`, nil, "missing attachment count"},
		{`51.23-["a"]`, nil, "missing '-' after attachment count"},
		{`511-["a"]`, nil, "more than 10 attachments"},
		{`599999999999-[]`, nil, "more than 10 attachments"},
		{"5" + strings.Repeat("9", 100) + "-[]", nil, "more than 10 attachments"},
		{`51-[]`, nil, "EVENT data is an empty array"},
		{`51-["connect"]`, nil, `reserved event name "connect"`},
		{`61-[]`, nil, "ACK without an ack id"},
		{`51-["a",{"_placeholder":true,"num":1}]`, [][]byte{bin}, "placeholder num 1 out of range [0, 1)"},
		{`51-["a",{"_placeholder":true,"num":-1}]`, [][]byte{bin}, "placeholder num -1 out of range [0, 1)"},
		{`51-["a",{"_placeholder":true,"num":0.5}]`, [][]byte{bin}, "placeholder num 0.5 out of range [0, 1)"},
		{`51-["a",{"_placeholder":true,"num":1e400}]`, [][]byte{bin}, "placeholder num 1e400 out of range [0, 1)"},
		{`51-["a",{"_placeholder":true,"num":"0"}]`, [][]byte{bin}, `placeholder num "0" is not a number`},
		{`51-["a",{"_placeholder":true}]`, [][]byte{bin}, "placeholder without num"},
		{`51-["a",{"num":9,"\u005fplaceholder":true}]`, [][]byte{bin}, "placeholder num 9 out of range [0, 1)"},
		{`51-["a",{"_placeholder":false,"num":0,"_placeholder":true,"num":3}]`, [][]byte{bin}, "placeholder num 3 out of range [0, 1)"},
		{`51-["a",{"k":1,"k":{"_placeholder":true,"num":3}}]`, [][]byte{bin}, "placeholder num 3 out of range [0, 1)"},
		{`51-["a",{"k":{"_placeholder":true,"num":3},"j":1}]`, [][]byte{bin}, "placeholder num 3 out of range [0, 1)"},
		{`52-["a",{"_placeholder":true,"num":2}]`, [][]byte{bin, bin}, "placeholder num 2 out of range [0, 2)"},
	}
	for _, tt := range tests {
		_, err := decodeAll(&Decoder{}, tt.text, tt.bins...)
		if !errors.Is(err, ErrInvalidPacket) {
			t.Errorf("decode %q: error = %v, want ErrInvalidPacket", tt.text, err)
			continue
		}
		if want := "parser: invalid packet: " + tt.detail; err.Error() != want {
			t.Errorf("decode %q: error = %q, want %q", tt.text, err, want)
		}
	}
}

func TestDecoderMaxAttachments(t *testing.T) {
	t.Parallel()
	d := &Decoder{MaxAttachments: 2}
	_, err := d.DecodeText([]byte(`53-["hello",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1},{"_placeholder":true,"num":2}]`))
	if err == nil || err.Error() != "parser: invalid packet: more than 2 attachments" {
		t.Errorf("error = %v", err)
	}
	d.MaxAttachments = 12
	bins := make([][]byte, 12)
	p, err := decodeAll(d, `512-["a"]`, bins...)
	if err != nil || len(p.Attachments) != 12 {
		t.Fatalf("12 attachments: %v, %v", p, err)
	}
}

// TestDecoderMaxPendingBytes: a binary packet may hold up to
// MaxPendingBytes (namespace, data, attachments but the last) between
// messages; past it the decoder fails with ErrPendingTooLarge and starts
// over. Zero leaves it unbounded.
func TestDecoderMaxPendingBytes(t *testing.T) {
	t.Parallel()
	const limit = 20 // `["a"]` in "/" holds 6 bytes
	tests := []struct {
		name    string
		limit   int
		text    string
		bins    []int // attachment sizes
		failsAt int   // index of the message that fails: 0 the text, i+1 attachment i; -1 none
	}{
		{"up to the limit, then a large last", limit, `53-["a"]`, []int{10, 4, 1000}, -1},
		{"one attachment of any size", limit, `51-["a"]`, []int{1000}, -1},
		{"one byte past the limit", limit, `53-["a"]`, []int{10, 5, 1}, 2},
		{"first attachment past it", limit, `52-["a"]`, []int{15, 1}, 1},
		{"text past it", limit, `51-["aaaaaaaaaaaaaaaaaaaa"]`, []int{1}, 0},
		{"text past it in a namespace", limit, `51-/namespace-name,["aaa"]`, []int{1}, 0},
		{"unbounded", 0, `53-["a"]`, []int{1000, 1000, 1000}, -1},
	}
	for _, tt := range tests {
		d := &Decoder{MaxPendingBytes: tt.limit}
		var err error
		at := 0
		if _, err = d.DecodeText([]byte(tt.text)); err == nil {
			for i, n := range tt.bins {
				if _, err = d.DecodeBinary(make([]byte, n)); err != nil {
					at = i + 1
					break
				}
			}
		}
		switch {
		case tt.failsAt < 0 && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.failsAt >= 0 && (at != tt.failsAt || !errors.Is(err, ErrPendingTooLarge) || !errors.Is(err, ErrInvalidPacket)):
			t.Errorf("%s: message %d failed with %v; want message %d with ErrPendingTooLarge", tt.name, at, err, tt.failsAt)
		case err != nil && err.Error() != "parser: invalid packet: binary packet over the bytes held for its attachments (limit 20)":
			t.Errorf("%s: error text %q", tt.name, err)
		}
		if d.pending != nil || d.held != 0 {
			t.Errorf("%s: the decoder still holds %d bytes", tt.name, d.held)
		}
		if p, err := d.DecodeText([]byte(`2["next"]`)); err != nil || p == nil {
			t.Errorf("%s: next packet: %v, %v", tt.name, p, err)
		}
	}
}

func TestDecoderState(t *testing.T) {
	t.Parallel()
	d := &Decoder{}
	if _, err := d.DecodeBinary([]byte{1}); err == nil || err.Error() != "parser: invalid packet: binary message while no packet awaits attachments" {
		t.Errorf("binary with nothing pending: %v", err)
	}

	// A text message while attachments are awaited fails and drops the
	// partial packet, so the decoder starts over cleanly.
	if p, err := d.DecodeText([]byte(`52-["a"]`)); p != nil || err != nil {
		t.Fatalf("DecodeText = %v, %v; want nil, nil", p, err)
	}
	if p, err := d.DecodeBinary([]byte{1}); p != nil || err != nil {
		t.Fatalf("DecodeBinary = %v, %v; want nil, nil", p, err)
	}
	if _, err := d.DecodeText([]byte(`2["a"]`)); err == nil || err.Error() != "parser: invalid packet: text message while 1 attachments are awaited" {
		t.Errorf("text while pending: %v", err)
	}
	if _, err := d.DecodeBinary([]byte{1}); !errors.Is(err, ErrInvalidPacket) {
		t.Errorf("binary after the failed packet: %v", err)
	}

	// Reset drops a partial packet, as socket.io-parser's destroy does.
	if _, err := d.DecodeText([]byte(`51-["hello"]`)); err != nil {
		t.Fatal(err)
	}
	d.Reset()
	p, err := d.DecodeText([]byte(`2["hello"]`))
	if err != nil || p == nil || string(p.Data) != `["hello"]` {
		t.Fatalf("after Reset: %v, %v", p, err)
	}

	// A placeholder error drops the packet too.
	if _, err := decodeAll(d, `51-["a",{"_placeholder":true,"num":1}]`, []byte{1}); err == nil {
		t.Fatal("no error for placeholder out of range")
	}
	if _, err := d.DecodeText([]byte(`2["a"]`)); err != nil {
		t.Errorf("after placeholder error: %v", err)
	}
}

func TestDecodeCopies(t *testing.T) {
	t.Parallel()
	d := &Decoder{}
	msg := []byte(`51-/admin,["a",{"_placeholder":true,"num":0}]`)
	if _, err := d.DecodeText(msg); err != nil {
		t.Fatal(err)
	}
	bin := []byte{1, 2, 3}
	p, err := d.DecodeBinary(bin)
	if err != nil {
		t.Fatal(err)
	}
	for i := range msg {
		msg[i] = 'x'
	}
	bin[0] = 9
	if p.Namespace != "/admin" || string(p.Data) != `["a",{"_placeholder":true,"num":0}]` || !bytes.Equal(p.Attachments[0], []byte{1, 2, 3}) {
		t.Errorf("packet changed with the caller's buffers: %+v", p)
	}
}

func TestDecodeEmptyAttachment(t *testing.T) {
	t.Parallel()
	p, err := decodeAll(&Decoder{}, `51-["a",{"_placeholder":true,"num":0}]`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Attachments[0] == nil || len(p.Attachments[0]) != 0 {
		t.Errorf("attachment = %#v, want empty non-nil", p.Attachments[0])
	}
}

func assertPacket(t *testing.T, got, want *Packet) {
	t.Helper()
	if !packetsEqual(got, want) {
		t.Errorf("packet = %s\nwant     %s", describe(got), describe(want))
	}
}

func packetsEqual(a, b *Packet) bool {
	if a.Type != b.Type || a.Namespace != b.Namespace || a.HasID != b.HasID ||
		(a.HasID && a.ID != b.ID) || !bytes.Equal(a.Data, b.Data) ||
		(a.Data == nil) != (b.Data == nil) || len(a.Attachments) != len(b.Attachments) {
		return false
	}
	for i := range a.Attachments {
		if !bytes.Equal(a.Attachments[i], b.Attachments[i]) {
			return false
		}
	}
	return true
}

func describe(p *Packet) string {
	if p == nil {
		return "<nil>"
	}
	return fmt.Sprintf("{%v nsp=%q id=%d/%v data=%q atts=%q}", p.Type, p.Namespace, p.ID, p.HasID, p.Data, p.Attachments)
}
