package msgpackparser_test

import (
	"encoding/hex"
	"errors"
	"testing"

	"github.com/duplexio/duplex/parser"
	"github.com/duplexio/duplex/parser/msgpackparser"
)

// FuzzDecode checks that any message either decodes to a packet that
// validates and survives Encode and Decode unchanged, or is refused with
// ErrInvalidPacket, without a panic.
func FuzzDecode(f *testing.F) {
	for _, tc := range nodeEncoded {
		b, _ := hex.DecodeString(tc.hex)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		p, err := msgpackparser.Decode(msg)
		if err != nil {
			if !errors.Is(err, parser.ErrInvalidPacket) {
				t.Fatalf("error %v does not wrap ErrInvalidPacket", err)
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("decoded packet does not validate: %v", err)
		}
		enc, err := msgpackparser.Encode(p)
		if err != nil {
			t.Fatalf("Encode of a decoded packet: %v", err)
		}
		back, err := msgpackparser.Decode(enc)
		if err != nil {
			t.Fatalf("Decode of Encode: %v", err)
		}
		if back.Type != p.Type || back.Namespace != p.Namespace || back.HasID != p.HasID || back.ID != p.ID ||
			len(back.Attachments) != len(p.Attachments) {
			t.Fatalf("round trip changed the packet: %+v -> %+v", p, back)
		}
	})
}
