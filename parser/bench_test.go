package parser

import (
	"encoding/json"
	"testing"
)

var (
	benchEvent  = []byte(`2/chat,17["chat message",{"user":"ann","text":"hello, world","ts":1700000000000}]`)
	benchBinary = []byte(`51-/chat,["file",{"name":"a.png","body":{"_placeholder":true,"num":0}}]`)
	benchAtt    = make([]byte, 4096)
)

func BenchmarkDecodeEvent(b *testing.B) {
	var d Decoder
	b.SetBytes(int64(len(benchEvent)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.DecodeText(benchEvent); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeBinaryEvent(b *testing.B) {
	var d Decoder
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.DecodeText(benchBinary); err != nil {
			b.Fatal(err)
		}
		if p, err := d.DecodeBinary(benchAtt); err != nil || p == nil {
			b.Fatal(p, err)
		}
	}
}

func BenchmarkAppendTextEvent(b *testing.B) {
	p := Packet{Type: Event, Namespace: "/chat", ID: 17, HasID: true, Data: json.RawMessage(benchEvent[len(`2/chat,17`):])}
	buf := p.AppendText(nil)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf = p.AppendText(buf[:0])
	}
}

func BenchmarkMarshalArray(b *testing.B) {
	values := []any{"chat message", map[string]any{"user": "ann", "text": "hello, world", "ts": 1700000000000}}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := MarshalArray(values); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkInlineAttachments(b *testing.B) {
	data := json.RawMessage(benchBinary[len(`51-/chat,`):])
	atts := [][]byte{benchAtt}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := InlineAttachments(data, atts); err != nil {
			b.Fatal(err)
		}
	}
}
