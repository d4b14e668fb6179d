package parser

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestMarshalArray(t *testing.T) {
	t.Parallel()
	type point struct {
		X, Y int
		B    []byte `json:",omitempty"`
	}
	a, b := []byte{1, 2, 3}, []byte{4}
	tests := []struct {
		name   string
		values []any
		want   string
		atts   [][]byte
	}{
		{"nil", nil, `[]`, nil},
		{"event", []any{"hello", 1}, `["hello",1]`, nil},
		{"struct", []any{"p", point{1, 2, nil}}, `["p",{"X":1,"Y":2}]`, nil},
		{"struct bytes stay base64", []any{"p", point{B: []byte{1}}}, `["p",{"X":0,"Y":0,"B":"AQ=="}]`, nil},
		{"no HTML escaping", []any{"<a&b>"}, `["<a&b>"]`, nil},
		{"raw message", []any{"ev", json.RawMessage(`{"k": [1, 2]}`)}, `["ev",{"k": [1, 2]}]`, nil},
		{"empty raw message", []any{"ev", json.RawMessage(nil)}, `["ev",null]`, nil},
		{"nil values", []any{"ev", nil, []any(nil), map[string]any(nil)}, `["ev",null,null,null]`, nil},
		{"top-level binary", []any{"hello", a}, `["hello",{"_placeholder":true,"num":0}]`, [][]byte{a}},
		{"nested binary", []any{"up", map[string]any{"z": b, "a": []any{a, "x"}}},
			`["up",{"a":[{"_placeholder":true,"num":0},"x"],"z":{"_placeholder":true,"num":1}}]`, [][]byte{a, b}},
		{"nil bytes are an attachment", []any{"ev", []byte(nil)}, `["ev",{"_placeholder":true,"num":0}]`, [][]byte{nil}},
		{"map keys escaped", []any{"ev", map[string]any{"a\"<": 1}}, `["ev",{"a\"<":1}]`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			raw, atts, err := MarshalArray(tt.values)
			if err != nil {
				t.Fatal(err)
			}
			if string(raw) != tt.want {
				t.Errorf("MarshalArray = %s, want %s", raw, tt.want)
			}
			if !reflect.DeepEqual(atts, tt.atts) {
				t.Errorf("attachments = %v, want %v", atts, tt.atts)
			}
			if !json.Valid(raw) {
				t.Errorf("invalid JSON %s", raw)
			}
		})
	}
}

func TestMarshalArrayErrors(t *testing.T) {
	t.Parallel()
	if _, _, err := MarshalArray([]any{"ev", math.Inf(1)}); err == nil {
		t.Error("no error for +Inf")
	}
	if _, _, err := MarshalArray([]any{"ev", map[string]any{"f": func() {}}}); err == nil {
		t.Error("no error for a func")
	}
	cycle := []any{"ev", nil}
	cycle[1] = cycle
	if _, _, err := MarshalArray(cycle); !errors.Is(err, errTooDeep) {
		t.Errorf("cycle: %v", err)
	}
}

func TestHasPlaceholder(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]bool{
		`["a",1]`:                                  false,
		`["a",{"_placeholder":true,"num":0}]`:      true,
		`["_placeholder"]`:                         true, // may: a cheap check
		`["a",{"\u005fplaceholder":true,"num":0}]`: true,
		`["\u00e9"]`:                               true,
		``:                                         false,
	} {
		if got := HasPlaceholder(json.RawMessage(raw)); got != want {
			t.Errorf("HasPlaceholder(%s) = %v, want %v", raw, got, want)
		}
	}
}

func TestInlineAttachments(t *testing.T) {
	t.Parallel()
	atts := [][]byte{{1, 2, 3, 4}, {}, {0xff}}
	tests := []struct {
		raw, want string
	}{
		{`["a",1]`, `["a",1]`},
		{`["a",{"_placeholder":true,"num":0}]`, `["a","AQIDBA=="]`},
		{`{"_placeholder":true,"num":2}`, `"/w=="`},
		{`["a", { "num" : 1 , "_placeholder" : true } ]`, `["a", "" ]`},
		{`["a",{"f":{"_placeholder":true,"num":2}},[{"_placeholder":true,"num":0}]]`, `["a",{"f":"/w=="},["AQIDBA=="]]`},
		{`["a",{"\u005fplaceholder":true,"n\u0075m":0}]`, `["a","AQIDBA=="]`},
		{`["{\"_placeholder\":true,\"num\":0}"]`, `["{\"_placeholder\":true,\"num\":0}"]`},
		{`["a",{"_placeholder":"true","num":0}]`, `["a",{"_placeholder":"true","num":0}]`},
		{`["a",{"_placeholder":true,"num":0,"x":{"_placeholder":true,"num":7}}]`, `["a","AQIDBA=="]`},
		{`[{"k":{"_placeholder":true,"num":7},"k":{"_placeholder":true,"num":0}}]`, `[{"k":{"_placeholder":true,"num":7},"k":"AQIDBA=="}]`},
		{`[{"k":{"_placeholder":true,"num":0},"j":{"_placeholder":true,"num":1},"k":2}]`, `[{"k":{"_placeholder":true,"num":0},"j":"","k":2}]`},
	}
	for _, tt := range tests {
		got, err := InlineAttachments(json.RawMessage(tt.raw), atts)
		if err != nil {
			t.Errorf("InlineAttachments(%s): %v", tt.raw, err)
			continue
		}
		if string(got) != tt.want {
			t.Errorf("InlineAttachments(%s) = %s, want %s", tt.raw, got, tt.want)
		}
	}

	var dst struct {
		Name string
		File []byte
	}
	raw, err := InlineAttachments(json.RawMessage(`{"Name":"f","File":{"_placeholder":true,"num":0}}`), atts)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &dst); err != nil || !bytes.Equal(dst.File, atts[0]) {
		t.Errorf("Unmarshal = %+v, %v", dst, err)
	}
}

func TestInlineAttachmentsErrors(t *testing.T) {
	t.Parallel()
	atts := [][]byte{{1}}
	for _, raw := range []string{
		`["a",{"_placeholder":true,"num":1}]`,
		`["a",{"_placeholder":true,"num":-1}]`,
		`["a",{"_placeholder":true,"num":null}]`,
		`["a",{"_placeholder":true}]`,
		`["a",{"_placeholder":true,"num":0}`,
		`["a",{"_placeholder":true,"num":0}]x`,
		strings.Repeat("[", maxDepth+1) + `{"_placeholder":true,"num":0}` + strings.Repeat("]", maxDepth+1),
	} {
		if _, err := InlineAttachments(json.RawMessage(raw), atts); !errors.Is(err, ErrInvalidPacket) {
			t.Errorf("InlineAttachments(%.60s): %v, want ErrInvalidPacket", raw, err)
		}
	}
	// Without attachments a placeholder is plain data, as in socket.io-parser.
	raw := json.RawMessage(`["a",{"_placeholder":true,"num":1}]`)
	if got, err := InlineAttachments(raw, nil); err != nil || string(got) != string(raw) {
		t.Errorf("InlineAttachments without attachments = %s, %v", got, err)
	}
}

func TestResolveAttachments(t *testing.T) {
	t.Parallel()
	atts := [][]byte{{1, 2}, {3}}
	var v any
	if err := json.Unmarshal([]byte(`["up",{"a":{"_placeholder":true,"num":1}},[{"_placeholder":true,"num":0},"s"],"{\"_placeholder\":true}"]`), &v); err != nil {
		t.Fatal(err)
	}
	got, err := ResolveAttachments(v, atts)
	if err != nil {
		t.Fatal(err)
	}
	want := []any{"up", map[string]any{"a": []byte{3}}, []any{[]byte{1, 2}, "s"}, `{"_placeholder":true}`}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ResolveAttachments = %#v\nwant %#v", got, want)
	}

	// Top level, with json.Number.
	dec := json.NewDecoder(strings.NewReader(`{"_placeholder":true,"num":1}`))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	if got, err := ResolveAttachments(v, atts); err != nil || !bytes.Equal(got.([]byte), []byte{3}) {
		t.Errorf("top-level placeholder = %v, %v", got, err)
	}

	for _, bad := range []any{
		map[string]any{"_placeholder": true, "num": 2.0},
		map[string]any{"_placeholder": true, "num": 0.5},
		map[string]any{"_placeholder": true, "num": "0"},
		map[string]any{"_placeholder": true},
		[]any{map[string]any{"_placeholder": true, "num": json.Number("x")}},
	} {
		if _, err := ResolveAttachments(bad, atts); !errors.Is(err, ErrInvalidPacket) {
			t.Errorf("ResolveAttachments(%v): %v, want ErrInvalidPacket", bad, err)
		}
	}
	plain := map[string]any{"_placeholder": true, "num": 5.0}
	if got, err := ResolveAttachments(plain, nil); err != nil || !reflect.DeepEqual(got, plain) {
		t.Errorf("without attachments = %v, %v", got, err)
	}
}

// TestMarshalDecodeRoundTrip sends values through the emit path and back
// through the receive path.
func TestMarshalDecodeRoundTrip(t *testing.T) {
	t.Parallel()
	data, atts, err := MarshalArray([]any{"file", map[string]any{"name": "a.bin", "body": []byte("hello")}, []byte{0}})
	if err != nil {
		t.Fatal(err)
	}
	p := &Packet{Type: Event, Namespace: "/up", ID: 4, HasID: true, Data: data, Attachments: atts}
	text := p.AppendText(nil)
	if want := `52-/up,4["file",{"body":{"_placeholder":true,"num":0},"name":"a.bin"},{"_placeholder":true,"num":1}]`; string(text) != want {
		t.Fatalf("AppendText = %s, want %s", text, want)
	}
	back, err := decodeAll(&Decoder{}, string(text), atts...)
	if err != nil {
		t.Fatal(err)
	}
	var all []json.RawMessage
	full, err := InlineAttachments(back.Data, back.Attachments)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(full, &all); err != nil || len(all) != 3 {
		t.Fatalf("Unmarshal %s: %v", full, err)
	}
	var file struct {
		Name string
		Body []byte
	}
	var zero []byte
	if err := json.Unmarshal(all[1], &file); err != nil || file.Name != "a.bin" || string(file.Body) != "hello" {
		t.Errorf("file = %+v, %v", file, err)
	}
	if err := json.Unmarshal(all[2], &zero); err != nil || !bytes.Equal(zero, []byte{0}) {
		t.Errorf("second attachment = %v, %v", zero, err)
	}
}

// TestEncodeValues: the one-allocation text of a packet equals what
// MarshalArray and AppendText give, attachments and namespace included, and
// p.Data holds the array.
func TestEncodeValues(t *testing.T) {
	cases := []struct {
		p      Packet
		values []any
		want   string
	}{
		{Packet{Type: Ack, Namespace: "/", ID: 7, HasID: true}, []any{json.RawMessage(`{"a":1}`), "x"}, `37[{"a":1},"x"]`},
		{Packet{Type: Ack, Namespace: "/chat", ID: 12, HasID: true}, []any{[]byte{1, 2}, 3}, `61-/chat,12[{"_placeholder":true,"num":0},3]`},
		{Packet{Type: Event, Namespace: "/"}, []any{"ev", nil, map[string]any{"b": true}}, `2["ev",null,{"b":true}]`},
		{Packet{Type: Ack, Namespace: "/" + strings.Repeat("n", 100), ID: 1, HasID: true}, nil, `3/` + strings.Repeat("n", 100) + `,1[]`},
	}
	for _, c := range cases {
		p := c.p
		text, err := p.EncodeValues(c.values)
		if err != nil {
			t.Fatal(err)
		}
		if string(text) != c.want {
			t.Errorf("EncodeValues %+v = %s, want %s", c.values, text, c.want)
		}
		data, att, _ := MarshalArray(c.values)
		ref := c.p
		ref.Data, ref.Attachments = data, att
		if string(ref.AppendText(nil)) != string(text) || string(p.Data) != string(data) || len(p.Attachments) != len(att) {
			t.Errorf("EncodeValues %+v: text %s data %s, MarshalArray+AppendText: %s data %s", c.values, text, p.Data, ref.AppendText(nil), data)
		}
	}
}
