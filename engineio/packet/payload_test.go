package packet

import (
	"errors"
	"testing"
)

func TestPayload(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		pkts []Packet
	}{
		{"spec example", "4hello\x1e2\x1ebAQIDBA==", []Packet{
			{Type: Message, Data: []byte("hello")},
			{Type: Ping},
			{Type: Message, Data: []byte{1, 2, 3, 4}, Binary: true},
		}},
		{"one packet", "4hello", []Packet{{Type: Message, Data: []byte("hello")}}},
		{"close", "1", []Packet{{Type: Close}}},
		{"two messages", "4a\x1e4b", []Packet{
			{Type: Message, Data: []byte("a")},
			{Type: Message, Data: []byte("b")},
		}},
		{"socket.io connect", "40\x1e42[\"hi\"]", []Packet{
			{Type: Message, Data: []byte("0")},
			{Type: Message, Data: []byte(`2["hi"]`)},
		}},
		{"noop", "6", []Packet{{Type: Noop}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := DecodePayload([]byte(tt.body))
			if err != nil {
				t.Fatalf("DecodePayload(%q): %v", tt.body, err)
			}
			if len(got) != len(tt.pkts) {
				t.Fatalf("DecodePayload(%q) = %d packets, want %d", tt.body, len(got), len(tt.pkts))
			}
			for i := range got {
				assertPacket(t, got[i], tt.pkts[i])
			}
			if enc := AppendPayload(nil, tt.pkts); string(enc) != tt.body {
				t.Errorf("AppendPayload = %q, want %q", enc, tt.body)
			}
		})
	}
}

func TestDecodePayloadInvalid(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		"",
		"\x1e",
		"4hello\x1e",
		"\x1e4hello",
		"4a\x1e\x1e4b",
		"4a\x1e9",
		"4a\x1ebAQ",
		"x",
		"4a\x1ebAQIDBA==\x1e",
	} {
		pkts, err := DecodePayload([]byte(body))
		if !errors.Is(err, ErrInvalidPacket) {
			t.Errorf("DecodePayload(%q) error = %v, want ErrInvalidPacket", body, err)
		}
		if pkts != nil {
			t.Errorf("DecodePayload(%q) = %v, want no packets on error", body, pkts)
		}
	}
}

func TestAppendPayloadEmpty(t *testing.T) {
	t.Parallel()
	if got := AppendPayload([]byte("keep"), nil); string(got) != "keep" {
		t.Errorf("AppendPayload(nil) = %q", got)
	}
}

func TestDecodePayloadErrorDetail(t *testing.T) {
	t.Parallel()
	_, err := DecodePayload([]byte("4a\x1e9"))
	const want = "packet: invalid packet: record 1: unknown packet type '9'"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
}

func BenchmarkDecodePayload(b *testing.B) {
	body := AppendPayload(nil, benchPackets)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodePayload(body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendPayload(b *testing.B) {
	buf := AppendPayload(nil, benchPackets)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendPayload(buf[:0], benchPackets)
	}
}

var benchPackets = []Packet{
	{Type: Message, Data: []byte(`2["chat message",{"user":"ann","text":"hello, world"}]`)},
	{Type: Message, Data: []byte(`2["typing",{"user":"bob"}]`)},
	{Type: Message, Data: []byte(`51-["file",{"_placeholder":true,"num":0}]`)},
	{Type: Message, Data: make([]byte, 256), Binary: true},
	{Type: Ping},
}
