package hardening_test

import (
	"strings"
	"testing"
	"time"

	"github.com/duplexio/duplex/engineio/packet"
	"github.com/duplexio/duplex/internal/eiotest"
)

// msg is one Engine.IO message a hostile client sends.
type msg struct {
	data   string
	binary bool
}

func txt(s string) msg { return msg{data: s} }
func bin(s string) msg { return msg{data: s, binary: true} }

func packets(ms []msg) []packet.Packet {
	out := make([]packet.Packet, len(ms))
	for i, m := range ms {
		out[i] = packet.Packet{Type: packet.Message, Data: []byte(m.data), Binary: m.binary}
	}
	return out
}

var (
	deepOK  = strings.Repeat("[", 5000) + strings.Repeat("]", 5000)   // within encoding/json's depth
	deepBad = strings.Repeat("[", 20000) + strings.Repeat("]", 20000) // beyond it
)

// hostileSIO are Socket.IO packets a client may send after joining "/".
// Either the server answers with reply (the next packet's exact wire form)
// and the connection stays open, or it closes the connection and the
// socket's disconnect listener gets closed ("reason description").
var hostileSIO = []struct {
	name   string
	send   []msg
	reply  string
	closed string
}{
	// Garbage and truncated packets.
	{name: "garbage", send: []msg{txt("hello")},
		closed: `parse error parser: invalid packet: unknown packet type 'h'`},
	{name: "empty", send: []msg{txt("")},
		closed: `parse error parser: invalid packet: empty message`},
	{name: "truncated event", send: []msg{txt(`2["echo","pi`)},
		closed: `parse error parser: invalid packet: EVENT data is not valid JSON`},
	{name: "trailing garbage", send: []msg{txt(`2["echo"]]`)},
		closed: `parse error parser: invalid packet: EVENT data is not valid JSON`},
	{name: "truncated binary header", send: []msg{txt(`51`)},
		closed: `parse error parser: invalid packet: missing '-' after attachment count`},
	// Events that are not events.
	{name: "object payload", send: []msg{txt(`2{"a":1}`)},
		closed: `parse error parser: invalid packet: EVENT data is not an array`},
	{name: "string payload", send: []msg{txt(`2"echo"`)},
		closed: `parse error parser: invalid packet: EVENT data is not an array`},
	{name: "empty array", send: []msg{txt(`2[]`)},
		closed: `parse error parser: invalid packet: EVENT data is an empty array`},
	{name: "object event name", send: []msg{txt(`2[{"a":1}]`)},
		closed: `parse error parser: invalid packet: event name is neither a string nor a number`},
	{name: "reserved event", send: []msg{txt(`2["disconnect"]`)},
		closed: `parse error parser: invalid packet: reserved event name "disconnect"`},
	{name: "escaped reserved event", send: []msg{txt(`2["\u0063onnect"]`)},
		closed: `parse error parser: invalid packet: reserved event name "connect"`},
	{name: "unknown event", send: []msg{txt(`2["nobody-listens",1]`)}},
	{name: "numeric event name", send: []msg{txt(`2[42,"x"]`)}},
	// Deep nesting and huge numbers.
	{name: "nesting 5000", send: []msg{txt(`25["any",` + deepOK + `]`)}, reply: `35["ok"]`},
	{name: "nesting 20000", send: []msg{txt(`25["any",` + deepBad + `]`)},
		closed: `parse error parser: invalid packet: EVENT data is not valid JSON`},
	{name: "huge float", send: []msg{txt(`2["num",1e99999]`)},
		reply: `2["error","event \"num\" argument 0: want float64: json: cannot unmarshal number 1e99999 into Go value of type float64"]`},
	{name: "huge int", send: []msg{txt(`2["int",123456789012345678901234567890]`)},
		reply: `2["error","event \"int\" argument 0: want int: json: cannot unmarshal number 123456789012345678901234567890 into Go value of type int"]`},
	{name: "100000 digits", send: []msg{txt(`2["num",0.` + strings.Repeat("5", 100000) + `]`)},
		reply: `2["got",0.5555555555555556]`},
	{name: "ack id too long", send: []msg{txt(`212345678901234567["echo","x"]`)},
		closed: `parse error parser: invalid packet: ack id longer than 16 digits`},
	// Acks.
	{name: "ack for unknown id", send: []msg{txt(`399["x"]`)}},
	{name: "ack without id", send: []msg{txt(`3["x"]`)},
		closed: `parse error parser: invalid packet: ACK without an ack id`},
	{name: "ack not an array", send: []msg{txt(`31{"a":1}`)},
		closed: `parse error parser: invalid packet: ACK data is not an array`},
	// Namespaces and state.
	{name: "unknown namespace", send: []msg{txt(`0/nope,`)}, reply: `4/nope,{"message":"Invalid namespace"}`},
	{name: "event for a namespace not joined", send: []msg{txt(`2/nope,["echo","x"]`)},
		closed: `forced server close socketio: packet for a namespace that is not connected`},
	{name: "connect twice", send: []msg{txt(`0`)},
		closed: `forced server close socketio: packet for a namespace that is not connected`},
	{name: "client sends CONNECT_ERROR", send: []msg{txt(`4{"message":"x"}`)},
		closed: `forced server close socketio: packet for a namespace that is not connected`},
	{name: "connect data not an object", send: []msg{txt(`0/nope,"x"`)},
		closed: `parse error parser: invalid packet: CONNECT data is not an object`},
	// Attachments.
	{name: "binary event", send: []msg{txt(`51-3["bin",{"_placeholder":true,"num":0}]`), bin("abc")}, reply: `33[3]`},
	{name: "placeholder without binary", send: []msg{txt(`51-3["bin",{"_placeholder":true,"num":1}]`), bin("abc")},
		closed: `parse error parser: invalid packet: placeholder num 1 out of range [0, 1)`},
	{name: "placeholder in a plain event", send: []msg{txt(`23["bin",{"_placeholder":true,"num":0}]`)},
		reply: `2["error","event \"bin\" argument 0: want []uint8: json: cannot unmarshal object into Go value of type []uint8"]`},
	{name: "more binaries than announced", send: []msg{txt(`51-3["bin",{"_placeholder":true,"num":0}]`), bin("abc"), bin("def")},
		closed: `parse error parser: invalid packet: binary message while no packet awaits attachments`},
	{name: "text while binaries awaited", send: []msg{txt(`52-["bin",{"_placeholder":true,"num":0}]`), bin("a"), txt(`2["echo","x"]`)},
		closed: `parse error parser: invalid packet: text message while 1 attachments are awaited`},
	{name: "attachment count bomb", send: []msg{txt(`5999999999999999999999-["bin"]`)},
		closed: `parse error parser: invalid packet: more than 10 attachments`},
	{name: "binary out of the blue", send: []msg{bin("abc")},
		closed: `parse error parser: invalid packet: binary message while no packet awaits attachments`},
}

// TestHostileSocketIOPackets sends each hostile packet from a fresh client
// over each transport and checks the exact answer, then that the hostile
// client (when the server kept it), a bystander and new clients are served.
func TestHostileSocketIOPackets(t *testing.T) {
	t.Parallel()
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			bystander := e.client(t, "websocket", "")
			for _, tt := range hostileSIO {
				t.Run(tt.name, func(t *testing.T) {
					tag := tr + "/" + tt.name
					c := e.client(t, tr, tag)
					if err := c.Send(packets(tt.send)...); err != nil {
						t.Fatalf("send: %v", err)
					}
					checkAnswer(t, e, c, tag, tt.reply, tt.closed)
				})
			}
			e.healthy(t, bystander)
		})
	}
}

// checkAnswer checks what a hostile client got: reply then an open
// connection, or a closed one with the disconnect reason closed.
func checkAnswer(t *testing.T, e *env, c *eiotest.SIO, tag, reply, closed string) {
	t.Helper()
	if closed != "" {
		expectClosed(t, c)
		if got := e.reason(t, tag); got != closed {
			t.Errorf("disconnect reason\n got %s\nwant %s", got, closed)
		}
		return
	}
	if reply != "" {
		p, err := c.Next(wait)
		if err != nil {
			t.Fatalf("waiting for %s: %v", reply, err)
		}
		if got := wire(p); got != reply {
			t.Errorf("reply\n got %.300s\nwant %s", got, reply)
		}
	}
	if err := echo(t, c, 9); err != nil {
		t.Errorf("hostile client no longer served: %v", err)
	}
	select {
	case r := <-e.reasonChan(tag):
		t.Errorf("socket disconnected: %s", r)
	case <-time.After(10 * time.Millisecond):
	}
}
