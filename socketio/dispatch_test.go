package socketio

import (
	"testing"

	"github.com/duplexio/duplex/internal/typedfunc"
	"github.com/duplexio/duplex/parser"
)

// BenchmarkEventPath is the server's work for one received event, without
// the transport: decode the packet, split name and arguments, and call a
// typed handler through its decoders.
func BenchmarkEventPath(b *testing.B) {
	type message struct {
		Room string `json:"room"`
		Text string `json:"text"`
	}
	var sink int
	cases := []struct {
		name string
		fn   any
		msg  string
	}{
		{"string", func(s string) { sink += len(s) }, `2["chat","hello world"]`},
		{"string+ack", func(s string, ack AckFunc) { sink += len(s) }, `212["chat","hello world"]`},
		{"struct+ack", func(m message, ack AckFunc) { sink += len(m.Text) }, `212["chat",{"room":"lobby","text":"hello world"}]`},
		{"int,int", func(x, y int) { sink += x + y }, `2["move",10,20]`},
		{"Args", func(a Args) { sink += a.Len() }, `2["raw",1,"two",{"three":3}]`},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			h, err := newEventHandler(c.fn, false)
			if err != nil {
				b.Fatal(err)
			}
			var dec parser.Decoder
			msg := []byte(c.msg)
			ack := AckFunc(func(...any) {})
			b.ReportAllocs()
			for b.Loop() {
				p, err := dec.DecodeText(msg)
				if err != nil {
					b.Fatal(err)
				}
				event, args, err := splitEvent(p)
				if err != nil {
					b.Fatal(err)
				}
				if err := h.Call(event, args.a, typedfunc.AckFunc(ack)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	_ = sink
}
