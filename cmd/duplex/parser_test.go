package main

import (
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/duplexio/duplex/engineio/packet"
	"github.com/duplexio/duplex/internal/eiotest"
	"github.com/duplexio/duplex/parser"
	"github.com/duplexio/duplex/parser/msgpackparser"
	"github.com/duplexio/duplex/socketio"
)

func TestParserFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  string
		want socketio.Parser
	}{
		{nil, "", socketio.ParserJSON},
		{[]string{"--parser", "msgpack"}, "", socketio.ParserMsgpack},
		{nil, "msgpack", socketio.ParserMsgpack},
		{[]string{"--parser", "json"}, "msgpack", socketio.ParserJSON},
	} {
		cfg, err := parseConfig(tc.args, func(k string) string {
			if k == "DUPLEX_PARSER" {
				return tc.env
			}
			return ""
		})
		if err != nil || cfg.parser != tc.want {
			t.Errorf("parseConfig(%q, DUPLEX_PARSER=%q) = %v, %v; want %v", tc.args, tc.env, cfg.parser, err, tc.want)
		}
	}
	if _, err := parseConfig([]string{"--parser", "cbor"}, func(string) string { return "" }); err == nil {
		t.Error("--parser cbor: no error")
	}
}

// With --parser msgpack the page loads the msgpack bundle and the chat
// server speaks msgpack: a CONNECT without a name is refused, one with a
// name accepted, each answer a binary msgpack packet.
func TestServerParserMsgpack(t *testing.T) {
	url, _, _ := startServer(t, "--parser", "msgpack")
	resp, page := getBody(t, url)
	if resp.StatusCode != 200 || !strings.Contains(page, `src="/socket.io/socket.io.msgpack.min.js"`) {
		t.Errorf("GET /: %d, page %.300q", resp.StatusCode, page)
	}
	c := eiotest.Dial(t, url+"socket.io/", eiotest.Options{Transport: "websocket"})
	noName, _ := hex.DecodeString("83a47479706500a464617461d40000a36e7370a12f") // {type:0, data:undefined, nsp:"/"}
	if p := sendRecv(t, c, noName); p.Type != parser.ConnectError {
		t.Fatalf("CONNECT without a name: %v %s", p.Type, p.Data)
	}
	withName, _ := msgpackparser.Encode(&parser.Packet{Type: parser.Connect, Data: []byte(`{"name":"ann"}`)})
	if p := sendRecv(t, c, withName); p.Type != parser.Connect || !strings.Contains(string(p.Data), `"sid"`) {
		t.Fatalf("CONNECT with a name: %v %s", p.Type, p.Data)
	}
}

// sendRecv sends a msgpack packet and returns the next one received.
func sendRecv(t *testing.T, c *eiotest.Conn, msg []byte) *parser.Packet {
	t.Helper()
	if err := c.Send(packet.Packet{Type: packet.Message, Data: msg, Binary: true}); err != nil {
		t.Fatal(err)
	}
	for {
		m, err := c.Recv(10 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if m.Type != packet.Message {
			continue
		}
		if !m.Binary {
			t.Fatalf("text message %q", m.Data)
		}
		p, err := msgpackparser.Decode(m.Data)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
}
