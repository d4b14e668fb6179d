package packet

import (
	"bytes"
	"errors"
	"testing"
)

func TestTypeString(t *testing.T) {
	t.Parallel()
	want := []string{"open", "close", "ping", "pong", "message", "upgrade", "noop"}
	for i, w := range want {
		if got := Type(i).String(); got != w {
			t.Errorf("Type(%d).String() = %q, want %q", i, got, w)
		}
	}
	if got := Type(7).String(); got != "Type(7)" {
		t.Errorf("Type(7).String() = %q", got)
	}
}

func TestDecode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		frame  string
		binary bool
		want   Packet
	}{
		{"message", "4hello", false, Packet{Type: Message, Data: []byte("hello")}},
		{"empty message", "4", false, Packet{Type: Message}},
		{"open", `0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`, false,
			Packet{Type: Open, Data: []byte(`{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`)}},
		{"close", "1", false, Packet{Type: Close}},
		{"ping", "2", false, Packet{Type: Ping}},
		{"probe", "2probe", false, Packet{Type: Ping, Data: []byte("probe")}},
		{"pong probe", "3probe", false, Packet{Type: Pong, Data: []byte("probe")}},
		{"upgrade", "5", false, Packet{Type: Upgrade}},
		{"noop", "6", false, Packet{Type: Noop}},
		{"utf-8", "4€", false, Packet{Type: Message, Data: []byte("€")}},
		{"binary frame", "\x01\x02\x03\x04", true, Packet{Type: Message, Data: []byte{1, 2, 3, 4}, Binary: true}},
		{"empty binary frame", "", true, Packet{Type: Message, Data: []byte{}, Binary: true}},
		{"binary frame looking like text", "4hello", true, Packet{Type: Message, Data: []byte("4hello"), Binary: true}},
		{"base64 in text frame", "bAQIDBA==", false, Packet{Type: Message, Data: []byte{1, 2, 3, 4}, Binary: true}},
		{"empty base64", "b", false, Packet{Type: Message, Data: []byte{}, Binary: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Decode([]byte(tt.frame), tt.binary)
			if err != nil {
				t.Fatalf("Decode(%q, %v): %v", tt.frame, tt.binary, err)
			}
			assertPacket(t, got, tt.want)
		})
	}
}

func TestDecodeInvalid(t *testing.T) {
	t.Parallel()
	for _, frame := range []string{
		"",
		"7",
		"9hello",
		"a",
		"hello",
		" 4hello",
		"bAQIDBA",     // missing padding
		"bAQIDBA=",    // short padding
		"bAQIDBB==",   // non-zero trailing bits
		"b!!!!",       // not base64
		"bAQID\nBA==", // line break
		"bAQ-_A==",    // URL alphabet
	} {
		_, err := Decode([]byte(frame), false)
		if !errors.Is(err, ErrInvalidPacket) {
			t.Errorf("Decode(%q) error = %v, want ErrInvalidPacket", frame, err)
		}
	}
}

func TestDecodeAliases(t *testing.T) {
	t.Parallel()
	frame := []byte("4hello")
	p, err := Decode(frame, false)
	if err != nil {
		t.Fatal(err)
	}
	frame[1] = 'j'
	if string(p.Data) != "jello" {
		t.Fatalf("Data = %q, want it to alias the frame", p.Data)
	}
}

func TestAppendText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p    Packet
		want string
	}{
		{Packet{Type: Message, Data: []byte("hello")}, "4hello"},
		{Packet{Type: Ping, Data: []byte("probe")}, "2probe"},
		{Packet{Type: Pong}, "3"},
		{Packet{Type: Noop}, "6"},
		{Packet{Type: Open, Data: []byte(`{"sid":"a"}`)}, `0{"sid":"a"}`},
		{Packet{Type: Message, Data: []byte{1, 2, 3, 4}, Binary: true}, "bAQIDBA=="},
		{Packet{Type: Message, Data: []byte{}, Binary: true}, "b"},
		{Packet{Type: Message, Data: []byte{0xff, 0xfe}, Binary: true}, "b//4="},
	}
	for _, tt := range tests {
		got := AppendText([]byte("x"), tt.p)
		if string(got) != "x"+tt.want {
			t.Errorf("AppendText(%+v) = %q, want %q", tt.p, got, "x"+tt.want)
		}
		back, err := Decode(got[1:], false)
		if err != nil {
			t.Errorf("Decode(AppendText(%+v)): %v", tt.p, err)
			continue
		}
		assertPacket(t, back, tt.p)
	}
}

func assertPacket(t *testing.T, got, want Packet) {
	t.Helper()
	if got.Type != want.Type || got.Binary != want.Binary || !bytes.Equal(got.Data, want.Data) {
		t.Errorf("packet = {%v %q binary=%v}, want {%v %q binary=%v}",
			got.Type, got.Data, got.Binary, want.Type, want.Data, want.Binary)
	}
	if want.Binary && got.Data == nil {
		t.Errorf("binary packet has nil Data, want empty")
	}
}
