package packet

import (
	"bytes"
	"errors"
	"testing"
)

func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		"4hello", "2probe", "3probe", "2", "6", "1", "bAQIDBA==", "b", "",
		"7", "bAQIDBA", "bAQIDBB==", "bAQID\nBA==", "4\x1e", "4€",
	} {
		f.Add([]byte(s), false)
	}
	f.Add([]byte{1, 2, 3, 4}, true)
	f.Add([]byte{}, true)
	f.Fuzz(func(t *testing.T, frame []byte, binary bool) {
		p, err := Decode(frame, binary)
		if err != nil {
			if !errors.Is(err, ErrInvalidPacket) {
				t.Fatalf("error %v does not wrap ErrInvalidPacket", err)
			}
			return
		}
		if p.Binary && p.Type != Message {
			t.Fatalf("binary %v packet", p.Type)
		}
		text := AppendText(nil, p)
		q, err := Decode(text, false)
		if err != nil {
			t.Fatalf("Decode(AppendText(%q)) = %v", frame, err)
		}
		if q.Type != p.Type || q.Binary != p.Binary || !bytes.Equal(q.Data, p.Data) {
			t.Fatalf("round trip: %+v -> %q -> %+v", p, text, q)
		}
		if !binary && !p.Binary && !bytes.Equal(text, frame) {
			t.Fatalf("text frame %q re-encoded as %q", frame, text)
		}
	})
}

func FuzzDecodePayload(f *testing.F) {
	for _, s := range []string{
		"4hello\x1e2\x1ebAQIDBA==", "4hello", "1", "\x1e", "4a\x1e", "\x1e4a",
		"4a\x1e\x1e4b", "b", "bAQ", "40\x1e42[\"hi\"]", "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		pkts, err := DecodePayload(body)
		if err != nil {
			if !errors.Is(err, ErrInvalidPacket) {
				t.Fatalf("error %v does not wrap ErrInvalidPacket", err)
			}
			return
		}
		enc := AppendPayload(nil, pkts)
		// The strict base64 makes the text form canonical, so a valid body
		// re-encodes to itself.
		if !bytes.Equal(enc, body) {
			t.Fatalf("DecodePayload(%q) re-encodes as %q", body, enc)
		}
		back, err := DecodePayload(enc)
		if err != nil || len(back) != len(pkts) {
			t.Fatalf("DecodePayload(%q) = %d packets, %v; want %d", enc, len(back), err, len(pkts))
		}
		for i := range back {
			if back[i].Type != pkts[i].Type || back[i].Binary != pkts[i].Binary || !bytes.Equal(back[i].Data, pkts[i].Data) {
				t.Fatalf("packet %d: %+v != %+v", i, back[i], pkts[i])
			}
		}
	})
}
