package main

import (
	"bytes"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/duplexio/duplex/internal/eiotest"
	"github.com/duplexio/duplex/parser"
	"github.com/duplexio/duplex/socketio"
)

// TestConformanceEchoKeepsKeyOrder: the echo events send objects back
// with the client's key order, as Node's fixture does, where re-encoding
// decoded Go maps sorted them.
func TestConformanceEchoKeepsKeyOrder(t *testing.T) {
	t.Parallel()
	h, shutdown, err := conformance(slog.New(slog.DiscardHandler), true, socketio.ParserJSON)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(func() { shutdown(t.Context()); ts.Close() })
	c := eiotest.DialSIO(t, ts.URL, eiotest.Options{Transport: "websocket"})
	if _, err := c.Connect("/", nil); err != nil {
		t.Fatal(err)
	}
	next := func(want string) *parser.Packet {
		t.Helper()
		for {
			p, err := c.Next(10 * time.Second)
			if err != nil {
				t.Fatalf("waiting for %s: %v", want, err)
			}
			if eiotest.EventName(p) == "auth" {
				continue
			}
			if got := string(p.AppendText(nil)); got != want {
				t.Fatalf("got %s, want %s", got, want)
			}
			return p
		}
	}
	for _, tt := range []struct{ send, want string }{
		{`2["message",{"z":1,"a":{"y":[true,{"c":3,"b":2}],"x":null}},"s",1.5]`,
			`2["message-back",{"z":1,"a":{"y":[true,{"c":3,"b":2}],"x":null}},"s",1.5]`},
		{`27["message-with-ack",{"b":1,"a":2}]`, `37[{"b":1,"a":2}]`},
	} {
		if err := c.SendText(tt.send); err != nil {
			t.Fatal(err)
		}
		next(tt.want)
	}
	// Binary still travels as an attachment.
	bin := []byte{0, 1, 2}
	if err := c.SendPacket(&parser.Packet{Type: parser.BinaryEvent, Namespace: "/",
		Data: []byte(`["message",{"_placeholder":true,"num":0},{"b":1,"a":2}]`), Attachments: [][]byte{bin}}); err != nil {
		t.Fatal(err)
	}
	p := next(`51-["message-back",{"_placeholder":true,"num":0},{"b":1,"a":2}]`)
	if len(p.Attachments) != 1 || !bytes.Equal(p.Attachments[0], bin) {
		t.Errorf("attachments %v, want [%v]", p.Attachments, bin)
	}
}
