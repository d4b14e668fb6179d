package parser

import (
	"errors"
	"testing"
)

func TestTypeString(t *testing.T) {
	t.Parallel()
	want := []string{"CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK"}
	for i, w := range want {
		if got := Type(i).String(); got != w {
			t.Errorf("Type(%d).String() = %q, want %q", i, got, w)
		}
	}
	if got := Type(7).String(); got != "Type(7)" {
		t.Errorf("Type(7).String() = %q", got)
	}
}

func TestAppendText(t *testing.T) {
	t.Parallel()
	att := [][]byte{{1, 2, 3}}
	tests := []struct {
		name string
		p    Packet
		want string
	}{
		{"connect", Packet{Type: Connect, Namespace: "/"}, "0"},
		{"connect empty namespace", Packet{Type: Connect}, "0"},
		{"connect admin", Packet{Type: Connect, Namespace: "/admin"}, "0/admin,"},
		{"connect reply", Packet{Type: Connect, Namespace: "/admin", Data: []byte(`{"sid":"oSO0OpakMV_3jnilAAAA"}`)}, `0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}`},
		{"connect auth", Packet{Type: Connect, Namespace: "/admin", Data: []byte(`{"token":"x"}`)}, `0/admin,{"token":"x"}`},
		{"disconnect", Packet{Type: Disconnect, Namespace: "/"}, "1"},
		{"disconnect admin", Packet{Type: Disconnect, Namespace: "/admin"}, "1/admin,"},
		{"event", Packet{Type: Event, Namespace: "/", Data: []byte(`["hello",1]`)}, `2["hello",1]`},
		{"event admin", Packet{Type: Event, Namespace: "/admin", Data: []byte(`["a"]`)}, `2/admin,["a"]`},
		{"event with ack", Packet{Type: Event, Namespace: "/", ID: 12, HasID: true, Data: []byte(`["ev"]`)}, `212["ev"]`},
		{"event with ack 0", Packet{Type: Event, Namespace: "/", ID: 0, HasID: true, Data: []byte(`["ev"]`)}, `20["ev"]`},
		{"ID ignored without HasID", Packet{Type: Event, Namespace: "/", ID: 12, Data: []byte(`["ev"]`)}, `2["ev"]`},
		{"ack", Packet{Type: Ack, Namespace: "/admin", ID: 13, HasID: true, Data: []byte(`["bar"]`)}, `3/admin,13["bar"]`},
		{"connect error", Packet{Type: ConnectError, Namespace: "/", Data: []byte(`{"message":"Invalid namespace"}`)}, `4{"message":"Invalid namespace"}`},
		{"binary event", Packet{Type: Event, Namespace: "/", Data: []byte(`["hello",{"_placeholder":true,"num":0}]`), Attachments: att},
			`51-["hello",{"_placeholder":true,"num":0}]`},
		{"binary ack", Packet{Type: Ack, Namespace: "/admin", ID: 13, HasID: true, Data: []byte(`[{"_placeholder":true,"num":0}]`), Attachments: att},
			`61-/admin,13[{"_placeholder":true,"num":0}]`},
		{"BinaryEvent type", Packet{Type: BinaryEvent, Namespace: "/", Data: []byte(`["x"]`), Attachments: make([][]byte, 12)}, `512-["x"]`},
		{"BinaryEvent without attachments", Packet{Type: BinaryEvent, Namespace: "/", Data: []byte(`["x"]`)}, `2["x"]`},
		{"BinaryAck without attachments", Packet{Type: BinaryAck, Namespace: "/", ID: 1, HasID: true, Data: []byte(`[]`)}, `31[]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tt.p.AppendText([]byte("x"))
			if string(got) != "x"+tt.want {
				t.Fatalf("AppendText = %q, want %q", got[1:], tt.want)
			}
			if err := tt.p.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			back, err := decodeAll(&Decoder{MaxAttachments: 20}, tt.want, tt.p.Attachments...)
			if err != nil {
				t.Fatalf("decode %q: %v", tt.want, err)
			}
			assertPacket(t, back, normalize(&tt.p))
		})
	}
}

// normalize returns p as the Decoder would return it after AppendText.
func normalize(p *Packet) *Packet {
	q := *p
	q.Type = p.Type.plain()
	if q.Namespace == "" {
		q.Namespace = "/"
	}
	if !q.HasID {
		q.ID = 0
	}
	if len(q.Data) == 0 {
		q.Data = nil
	}
	if len(q.Attachments) == 0 {
		q.Attachments = nil
	}
	return &q
}

func TestValidate(t *testing.T) {
	t.Parallel()
	att := [][]byte{{1}}
	tests := []struct {
		name   string
		p      Packet
		detail string
	}{
		{"unknown type", Packet{Type: 7}, "unknown packet type 7"},
		{"namespace without slash", Packet{Type: Connect, Namespace: "admin"}, `namespace "admin" does not start with '/'`},
		{"namespace with comma", Packet{Type: Event, Namespace: "/a,b", Data: []byte(`["hello"]`)}, `namespace "/a,b" contains a comma`},
		{"connect with array", Packet{Type: Connect, Namespace: "/", Data: []byte(`[]`)}, "CONNECT data is not an object"},
		{"connect with string", Packet{Type: Connect, Namespace: "/admin", Data: []byte(`"invalid"`)}, "CONNECT data is not an object"},
		{"disconnect with data", Packet{Type: Disconnect, Namespace: "/admin", Data: []byte(`{}`)}, "DISCONNECT with data"},
		{"event with string", Packet{Type: Event, Namespace: "/admin", Data: []byte(`"invalid"`)}, "EVENT data is not an array"},
		{"event with object", Packet{Type: Event, Namespace: "/admin", Data: []byte(`{}`)}, "EVENT data is not an array"},
		{"event toString", Packet{Type: Event, Namespace: "/", Data: []byte(`{"toString":"foo"}`)}, "EVENT data is not an array"},
		{"event true name", Packet{Type: Event, Namespace: "/", Data: []byte(`[true,"foo"]`)}, "event name is neither a string nor a number"},
		{"event null name", Packet{Type: Event, Namespace: "/", Data: []byte(`[null,"bar"]`)}, "event name is neither a string nor a number"},
		{"event connect", Packet{Type: Event, Namespace: "/", Data: []byte(`["connect"]`)}, `reserved event name "connect"`},
		{"event disconnect", Packet{Type: Event, Namespace: "/", Data: []byte(`["disconnect","123"]`)}, `reserved event name "disconnect"`},
		{"event invalid JSON", Packet{Type: Event, Namespace: "/", Data: []byte(`["a"`)}, "EVENT data is not valid JSON"},
		{"ack without id", Packet{Type: Ack, Namespace: "/", Data: []byte(`[]`)}, "ACK without an ack id"},
		{"id too long", Packet{Type: Event, Namespace: "/", ID: 1e16, HasID: true, Data: []byte(`["a"]`)}, "ack id 10000000000000000 longer than 16 digits"},
		{"connect with id", Packet{Type: Connect, Namespace: "/", HasID: true}, "ack id on a CONNECT packet"},
		{"attachments on connect", Packet{Type: Connect, Namespace: "/", Attachments: att}, "attachments on a CONNECT packet"},
		{"placeholder out of range", Packet{Type: Event, Namespace: "/", Data: []byte(`["a",{"_placeholder":true,"num":1}]`), Attachments: att}, "placeholder num 1 out of range [0, 1)"},
	}
	for _, tt := range tests {
		err := tt.p.Validate()
		if !errors.Is(err, ErrInvalidPacket) {
			t.Errorf("%s: Validate = %v, want ErrInvalidPacket", tt.name, err)
			continue
		}
		if want := "parser: invalid packet: " + tt.detail; err.Error() != want {
			t.Errorf("%s: Validate = %q, want %q", tt.name, err, want)
		}
	}
}
