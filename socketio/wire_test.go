package socketio_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/duplexio/duplex/engineio/packet"
	"github.com/duplexio/duplex/internal/eiotest"
	"github.com/duplexio/duplex/parser"
	"github.com/duplexio/duplex/parser/msgpackparser"
	"github.com/duplexio/duplex/socketio"
)

// msgpackConnect is the CONNECT without auth that socket.io-client 4.8.4
// sends through socket.io-msgpack-parser 3.0.2:
// {type:0, data:undefined, nsp:"/"}.
const msgpackConnect = "83a47479706500a464617461d40000a36e7370a12f"

func sendMsgpack(t *testing.T, c *eiotest.Conn, p *parser.Packet) {
	t.Helper()
	b, err := msgpackparser.Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Send(packet.Packet{Type: packet.Message, Data: b, Binary: true}); err != nil {
		t.Fatal(err)
	}
}

// recvMsgpack returns the next Socket.IO packet and its message, which must
// be binary.
func recvMsgpack(t *testing.T, c *eiotest.Conn) (*parser.Packet, []byte) {
	t.Helper()
	for {
		m, err := c.Recv(wait)
		if err != nil {
			t.Fatalf("Recv: %v", err)
		}
		if m.Type != packet.Message {
			continue
		}
		if !m.Binary {
			t.Fatalf("text message %q from a msgpack server", m.Data)
		}
		p, err := msgpackparser.Decode(m.Data)
		if err != nil {
			t.Fatalf("Decode(%x): %v", m.Data, err)
		}
		return p, m.Data
	}
}

func connectMsgpack(t *testing.T, url, transport string) *eiotest.Conn {
	t.Helper()
	c := eiotest.Dial(t, url+"/socket.io/", eiotest.Options{Transport: transport})
	b, _ := hex.DecodeString(msgpackConnect)
	if err := c.Send(packet.Packet{Type: packet.Message, Data: b, Binary: true}); err != nil {
		t.Fatal(err)
	}
	if p, _ := recvMsgpack(t, c); p.Type != parser.Connect || !bytes.Contains(p.Data, []byte(`"sid"`)) {
		t.Fatalf("CONNECT answer = %v %s", p.Type, p.Data)
	}
	return c
}

// With ParserMsgpack the server reads and writes msgpack packets: binaries
// inline, acks, and a broadcast whose recipients get the same bytes.
func TestParserMsgpack(t *testing.T) {
	t.Parallel()
	forEachTransport(t, func(t *testing.T, transport string) {
		io, url := newServer(t, &socketio.Options{Parser: socketio.ParserMsgpack})
		io.OnConnection(func(s *socketio.Socket) {
			s.On("echo", func(text string, data []byte, ack socketio.AckFunc) { ack(text, data) })
			s.On("all", func(n int) { _ = io.Emit("tick", n, []byte{byte(n)}) })
		})
		a, b := connectMsgpack(t, url, transport), connectMsgpack(t, url, transport)

		sendMsgpack(t, a, &parser.Packet{Type: parser.Event, Namespace: "/", ID: 3, HasID: true,
			Data: []byte(`["echo","hi",{"_placeholder":true,"num":0}]`), Attachments: [][]byte{{1, 2, 3}}})
		p, _ := recvMsgpack(t, a)
		if p.Type != parser.Ack || p.ID != 3 || string(p.Data) != `["hi",{"_placeholder":true,"num":0}]` ||
			len(p.Attachments) != 1 || !bytes.Equal(p.Attachments[0], []byte{1, 2, 3}) {
			t.Fatalf("ack = %v %d %s %q", p.Type, p.ID, p.Data, p.Attachments)
		}

		sendMsgpack(t, a, &parser.Packet{Type: parser.Event, Namespace: "/", Data: []byte(`["all",7]`)})
		_, fromA := recvMsgpack(t, a)
		_, fromB := recvMsgpack(t, b)
		// {type:2, data:["tick", 7, Buffer.from([7])], nsp:"/"} as Node writes it
		const want = "83a47479706502a46461746193a47469636b07c40107a36e7370a12f"
		if hex.EncodeToString(fromA) != want || !bytes.Equal(fromA, fromB) {
			t.Fatalf("broadcast = %x and %x, want %s", fromA, fromB, want)
		}
	})
}

// A text message, or a binary one that is not a msgpack packet, closes the
// connection with a parse error, as a malformed packet does with JSON.
func TestParserMsgpackRefuses(t *testing.T) {
	t.Parallel()
	for name, msg := range map[string]packet.Packet{
		"text":            {Type: packet.Message, Data: []byte(`0`)},
		"not msgpack":     {Type: packet.Message, Data: []byte{0xc1}, Binary: true},
		"event as string": {Type: packet.Message, Data: []byte(`2["a"]`), Binary: true},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, url := newServer(t, &socketio.Options{Parser: socketio.ParserMsgpack})
			c := connectMsgpack(t, url, "websocket")
			if err := c.Send(msg); err != nil {
				t.Fatal(err)
			}
			for {
				_, err := c.Recv(wait)
				if errors.Is(err, eiotest.ErrClosed) {
					return
				}
				if err != nil {
					t.Fatalf("connection not closed: %v", err)
				}
			}
		})
	}
}

func TestParseParser(t *testing.T) {
	t.Parallel()
	for _, p := range []socketio.Parser{socketio.ParserJSON, socketio.ParserMsgpack} {
		got, err := socketio.ParseParser(p.String())
		if err != nil || got != p {
			t.Errorf("ParseParser(%q) = %v, %v", p.String(), got, err)
		}
	}
	if _, err := socketio.ParseParser("cbor"); err == nil {
		t.Error("ParseParser(cbor): no error")
	}
}
