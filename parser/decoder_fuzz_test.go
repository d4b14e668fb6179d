package parser

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzDecoderStream feeds one Decoder a stream of messages, as a connection
// does: in is split at 0x1e, and a message starting with 0x00 is binary
// (the rest of it). After an error the decoder is Reset and goes on, which
// must leave no state behind. Every packet it completes validates, round
// trips, and has at most MaxAttachments attachments. The high bits of
// maxAtt set MaxPendingBytes (0, unbounded, to 60), which the decoder never
// holds more than.
func FuzzDecoderStream(f *testing.F) {
	for _, s := range []string{
		"0\x1e2[\"a\"]",
		"51-[\"a\",{\"_placeholder\":true,\"num\":0}]\x1e\x00abc\x1e2[\"b\"]",
		"52-[{\"_placeholder\":true,\"num\":1},{\"_placeholder\":true,\"num\":0}]\x1e\x00a\x1e\x00b",
		"51-[\"a\",{\"_placeholder\":true,\"num\":3}]\x1e\x00abc",
		"51-[\"a\"]\x1e\x00x\x1e\x00y",
		"52-[\"a\"]\x1e\x00x\x1e2[\"b\"]\x1e\x00y",
		"\x00x\x1e2[\"a\"]",
		"63-/admin,7[{\"_placeholder\":true,\"num\":2}]\x1e\x00\x1e\x00\x1e\x00",
		"510-[\"a\"]\x1e\x00\x1e\x00\x1e\x00\x1e\x00\x1e\x00\x1e\x00\x1e\x00\x1e\x00\x1e\x00\x1e\x00",
		"511-[\"a\"]",
		"2[\"a\",[[[[[[[[[[]]]]]]]]]]]\x1e3/x,1[]",
	} {
		f.Add([]byte(s), uint8(0))
		f.Add([]byte(s), uint8(0x23)) // at most 3 attachments, 8 bytes held
	}
	f.Fuzz(func(t *testing.T, in []byte, maxAtt uint8) {
		d := &Decoder{MaxAttachments: int(maxAtt % 16), MaxPendingBytes: int(maxAtt/16) * 4}
		limit := d.maxAttachments()
		for _, m := range bytes.Split(in, []byte{0x1e}) {
			var p *Packet
			var err error
			if len(m) > 0 && m[0] == 0 {
				p, err = d.DecodeBinary(m[1:])
			} else {
				p, err = d.DecodeText(m)
			}
			if err != nil {
				if !errors.Is(err, ErrInvalidPacket) {
					t.Fatalf("error %v does not wrap ErrInvalidPacket", err)
				}
				d.Reset()
				if d.pending != nil || d.want != 0 || d.held != 0 {
					t.Fatal("Reset left a pending packet")
				}
				continue
			}
			if p == nil {
				if d.pending == nil || d.want < 1 || d.want > limit || len(d.pending.Attachments) >= d.want {
					t.Fatalf("waiting with pending=%v want=%d", d.pending != nil, d.want)
				}
				held := len(d.pending.Namespace) + len(d.pending.Data)
				for _, a := range d.pending.Attachments {
					held += len(a)
				}
				if held != d.held || d.MaxPendingBytes > 0 && held > d.MaxPendingBytes {
					t.Fatalf("holding %d bytes (counted %d), limit %d", held, d.held, d.MaxPendingBytes)
				}
				continue
			}
			if len(p.Attachments) > limit {
				t.Fatalf("%d attachments, limit %d", len(p.Attachments), limit)
			}
			checkDecoded(t, m, p)
		}
	})
}
