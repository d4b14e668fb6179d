package packet

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// The frames engine.io-parser's createPacketEncoderStream writes, byte for
// byte (header, then the packet as a WebSocket frame would carry it).
func TestAppendStreamFrame(t *testing.T) {
	for _, tc := range []struct {
		p    Packet
		want string
	}{
		{Packet{Type: Open}, "\x01" + "0"},
		{Packet{Type: Message, Data: []byte("hello")}, "\x06" + "4hello"},
		{Packet{Type: Ping, Data: []byte("probe")}, "\x06" + "2probe"},
		{Packet{Type: Message, Data: []byte{1, 2, 3}, Binary: true}, "\x83\x01\x02\x03"},
		{Packet{Type: Message, Data: []byte(strings.Repeat("a", 125))}, "\x7e\x00\x7e4" + strings.Repeat("a", 125)},
		{Packet{Type: Message, Data: bytes.Repeat([]byte{7}, 1<<16), Binary: true}, "\xff\x00\x00\x00\x00\x00\x01\x00\x00" + strings.Repeat("\x07", 1<<16)},
	} {
		if got := string(AppendStreamFrame(nil, tc.p)); got != tc.want {
			t.Errorf("%v %q: got %q, want %q", tc.p.Type, tc.p.Data[:min(len(tc.p.Data), 8)], got[:min(len(got), 12)], tc.want[:min(len(tc.want), 12)])
		}
	}
}

func TestStreamReaderRoundTrip(t *testing.T) {
	pkts := []Packet{
		{Type: Open}, {Type: Open, Data: []byte(`{"sid":"abc"}`)}, {Type: Ping, Data: []byte("probe")},
		{Type: Message, Data: []byte("é")}, {Type: Message, Data: []byte{0}, Binary: true},
		{Type: Message, Data: bytes.Repeat([]byte("x"), 70_000)}, {Type: Upgrade},
	}
	var wire []byte
	for _, p := range pkts {
		wire = AppendStreamFrame(wire, p)
	}
	sr := NewStreamReader(bytes.NewReader(wire), 100_000)
	for _, want := range pkts {
		got, err := sr.Next()
		if err != nil {
			t.Fatal(err)
		}
		if got.Type != want.Type || got.Binary != want.Binary || !bytes.Equal(got.Data, want.Data) {
			t.Fatalf("got %v %q, want %v %q", got.Type, got.Data, want.Type, want.Data)
		}
	}
	if _, err := sr.Next(); err != io.EOF {
		t.Fatalf("at the end: %v", err)
	}
}

func TestStreamReaderRefusals(t *testing.T) {
	for _, tc := range []struct {
		name, wire string
		want       error
	}{
		{"empty payload", "\x00", ErrInvalidPacket},
		{"too large", "\x0b4helloworld", ErrFrameTooLarge},
		{"too large 64-bit", "\x7f\xff\xff\xff\xff\xff\xff\xff\xff", ErrFrameTooLarge},
		{"unknown type", "\x019", ErrInvalidPacket},
		{"not UTF-8", "\x024\xff", ErrInvalidPacket},
		{"cut in header", "\x7e\x00", io.ErrUnexpectedEOF},
		{"cut in payload", "\x054he", io.ErrUnexpectedEOF},
	} {
		_, err := NewStreamReader(strings.NewReader(tc.wire), 10).Next()
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

// FuzzStreamReader: any bytes decode to packets or a clear error, never a
// panic, and a decoded packet re-encodes to a frame that decodes the same.
func FuzzStreamReader(f *testing.F) {
	for _, s := range []string{"\x014", "\x06" + "4hello", "\x83\x01\x02\x03", "\x00", "\x7e\x00\x02" + "4a", "\x7f\x00\x00\x00\x00\x00\x00\x00\x02" + "4a", "\x019"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, wire []byte) {
		sr := NewStreamReader(bytes.NewReader(wire), 1<<16)
		for {
			p, err := sr.Next()
			if err != nil {
				if err != io.EOF && err != io.ErrUnexpectedEOF && !errors.Is(err, ErrInvalidPacket) {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if p.Binary && len(p.Data) == 0 {
				continue // no frame carries it: engine.io-parser refuses length 0 too
			}
			again, err := NewStreamReader(bytes.NewReader(AppendStreamFrame(nil, p)), 1<<16).Next()
			if err != nil || again.Type != p.Type || again.Binary != p.Binary || !bytes.Equal(again.Data, p.Data) {
				t.Fatalf("round trip of %v %q: %v %q %v", p.Type, p.Data, again.Type, again.Data, err)
			}
		}
	})
}
