package parser

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

var fuzzTexts = []string{
	`0`, `0/admin,`, `0/admin`, `0{"token":"123"}`, `0/admin,{"token":"x"}`, `1`, `1/admin,`,
	`2["hello",1]`, `2/admin,["a"]`, `212["ev"]`, `2[1,"a",{}]`, `3/admin,13["bar"]`, `31[]`,
	`4{"message":"Invalid namespace"}`, `4"Unauthorized"`,
	`51-["hello",{"_placeholder":true,"num":0}]`, `61-/admin,13[{"_placeholder":true,"num":0}]`,
	`52-["up",{"a":{"_placeholder":true,"num":1}},[{"_placeholder":true,"num":0}]]`,
	`51-["x",{"_placeholder":true,"num":0,"n":{"_placeholder":true,"num":9}}]`,
	`51-["a",{"num":0,"\u005fplaceholder":true}]`,
	`2`, `2[]`, `2{}`, `2["connect"]`, `2["\u0063onnect"]`, `2[1`, `5-["a"]`, `5a-["a"]`, `599999999999-[]`,
	`2/nsp["a"]`, `3["a"]`, `0["x"]`, `1{"a":1}`, `2["a"]garbage`, `01{}`, `299999999999999999["a"]`,
	`51-["a",{"_placeholder":true,"num":1}]`, `2 [ "a" ] `, `2[ "a" ] `, "",
	`51-["x",{"k":{"_placeholder":true,"num":5},"k":1}]`,
}

func FuzzDecodeText(f *testing.F) {
	for _, s := range fuzzTexts {
		f.Add([]byte(s), []byte{1, 2, 3}, []byte{})
	}
	f.Fuzz(func(t *testing.T, text, bin1, bin2 []byte) {
		buf := bytes.Clone(text)
		d := &Decoder{}
		p, err := d.DecodeText(buf)
		// The packet must not depend on the caller's buffer.
		for i := range buf {
			buf[i] = 'x'
		}
		for _, bin := range [][]byte{bin1, bin2} {
			if p != nil || err != nil {
				break
			}
			b := bytes.Clone(bin)
			p, err = d.DecodeBinary(b)
			for i := range b {
				b[i] = 'x'
			}
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidPacket) {
				t.Fatalf("error %v does not wrap ErrInvalidPacket", err)
			}
			return
		}
		if p == nil {
			return // still waiting for attachments
		}
		checkDecoded(t, text, p)
	})
}

// checkDecoded checks the invariants of a decoded packet and that it
// survives AppendText and decoding unchanged.
func checkDecoded(t *testing.T, text []byte, p *Packet) {
	t.Helper()
	if p.Type > ConnectError || p.Namespace == "" || p.Namespace[0] != '/' {
		t.Fatalf("decode %q: bad packet %s", text, describe(p))
	}
	if err := p.Validate(); err != nil {
		t.Fatalf("decode %q: decoded packet does not validate: %v", text, err)
	}
	enc := p.AppendText(nil)
	q, err := decodeAll(&Decoder{}, string(enc), p.Attachments...)
	if err != nil {
		t.Fatalf("decode %q -> %s -> %q: %v", text, describe(p), enc, err)
	}
	if !packetsEqual(p, q) {
		t.Fatalf("round trip %q -> %q:\n%s\n%s", text, enc, describe(p), describe(q))
	}
}

func FuzzRoundTrip(f *testing.F) {
	f.Add(uint8(Event), "/", uint64(0), false, []byte(`["hello",1]`), uint8(0))
	f.Add(uint8(Event), "/admin", uint64(12), true, []byte(`["a",{"_placeholder":true,"num":0}]`), uint8(1))
	f.Add(uint8(Ack), "", uint64(13), true, []byte(`[{"_placeholder":true,"num":1}]`), uint8(2))
	f.Add(uint8(Connect), "/admin", uint64(0), false, []byte(`{"token":"x"}`), uint8(0))
	f.Add(uint8(Connect), "/admin", uint64(0), false, []byte(nil), uint8(0))
	f.Add(uint8(ConnectError), "/", uint64(0), false, []byte(`"Unauthorized"`), uint8(0))
	f.Add(uint8(Disconnect), "/a", uint64(0), false, []byte(nil), uint8(0))
	f.Add(uint8(BinaryEvent), "/", uint64(0), false, []byte(` [ 1 ] `), uint8(0))
	f.Fuzz(func(t *testing.T, typ uint8, nsp string, id uint64, hasID bool, data []byte, natt uint8) {
		p := &Packet{Type: Type(typ), Namespace: nsp, ID: id, HasID: hasID, Data: data}
		for i := range int(natt % 4) {
			p.Attachments = append(p.Attachments, bytes.Repeat([]byte{byte(i)}, i))
		}
		if p.Validate() != nil {
			return
		}
		enc := p.AppendText(nil)
		q, err := decodeAll(&Decoder{}, string(enc), p.Attachments...)
		if err != nil {
			t.Fatalf("%s validates but %q does not decode: %v", describe(p), enc, err)
		}
		if want := normalize(p); !packetsEqual(q, want) {
			t.Fatalf("round trip %q:\n%s\n%s", enc, describe(q), describe(want))
		}
	})
}

// FuzzPlaceholders checks the placeholder walker against encoding/json: the
// bytes InlineAttachments makes must unmarshal to what ResolveAttachments
// makes of the unmarshalled input, with []byte written as base64.
func FuzzPlaceholders(f *testing.F) {
	for _, s := range []string{
		`["a",{"_placeholder":true,"num":0}]`,
		`{"_placeholder":true,"num":1}`,
		`["a", { "num" : 1 , "_placeholder" : true } ]`,
		`["a",{"\u005fplaceholder":true,"n\u0075m":0}]`,
		`["{\"_placeholder\":true,\"num\":0}"]`,
		`["a",{"_placeholder":true,"num":0,"x":{"_placeholder":true,"num":7}}]`,
		`[{"_placeholder":false,"num":0,"_placeholder":true}]`,
		`[{"_placeholder":true,"num":0.0},{"_placeholder":true,"num":-0},{"_placeholder":true,"num":1e0}]`,
		`[{"_placeholder":true,"num":"0"}]`,
		`[1,true,null,"s",{}]`,
		`[{"k":{"_placeholder":true,"num":7},"k":1}]`,
		`[{"k":[{"_placeholder":true,"num":0}],"\u006b":{"_placeholder":true,"num":1},"j":{"k":{"_placeholder":true,"num":9}}}]`,
	} {
		f.Add([]byte(s), uint8(2))
	}
	f.Fuzz(func(t *testing.T, raw []byte, n uint8) {
		var atts [][]byte
		for i := range int(n % 4) {
			atts = append(atts, bytes.Repeat([]byte{0xf0 + byte(i)}, i+1))
		}
		inl, err1 := InlineAttachments(raw, atts) // must not panic, valid or not
		var v any
		if json.Unmarshal(raw, &v) != nil {
			return
		}
		r, err2 := ResolveAttachments(v, atts)
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("%s: InlineAttachments error %v, ResolveAttachments error %v", raw, err1, err2)
		}
		if err1 != nil {
			return
		}
		var w any
		if err := json.Unmarshal(inl, &w); err != nil {
			t.Fatalf("%s inlined as invalid JSON %s: %v", raw, inl, err)
		}
		if want := bytesToBase64(r); !reflect.DeepEqual(w, want) {
			t.Fatalf("%s inlined as %s = %#v, want %#v", raw, inl, w, want)
		}
	})
}

func bytesToBase64(v any) any {
	switch v := v.(type) {
	case []byte:
		return base64.StdEncoding.EncodeToString(v)
	case []any:
		for i := range v {
			v[i] = bytesToBase64(v[i])
		}
	case map[string]any:
		for k := range v {
			v[k] = bytesToBase64(v[k])
		}
	}
	return v
}
