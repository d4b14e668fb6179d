package socketio_test

import (
	"bufio"
	"encoding/hex"
	"fmt"
	stdio "io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/engineio/packet"
	"github.com/duplexio/duplex/internal/eiotest"
	"github.com/duplexio/duplex/parser"
	"github.com/duplexio/duplex/parser/msgpackparser"
	"github.com/duplexio/duplex/socketio"
)

var benchParsers = []socketio.Parser{socketio.ParserJSON, socketio.ParserMsgpack}

// BenchmarkParser compares the parsers: fan-out (one event to 100 WebSocket
// clients, encoded once) and echo (an event with an ack, through the typed
// handler, one client over WebSocket).
func BenchmarkParser(b *testing.B) {
	for _, p := range benchParsers {
		b.Run("fanout/parser="+p.String(), func(b *testing.B) { benchmarkParserFanout(b, p, 100) })
	}
	for _, p := range benchParsers {
		b.Run("echo/parser="+p.String(), func(b *testing.B) { benchmarkParserEcho(b, p) })
	}
}

// connectFrame is the CONNECT to "/" in each parser's encoding, with the
// WebSocket frame header of a masked (mask 0) frame.
func connectFrame(p socketio.Parser) []byte {
	if p == socketio.ParserMsgpack {
		b, _ := hex.DecodeString(msgpackConnect)
		return append([]byte{0x82, 0x80 | byte(len(b)), 0, 0, 0, 0}, b...)
	}
	return []byte{0x81, 0x82, 0, 0, 0, 0, '4', '0'}
}

func dialRawParser(tb testing.TB, addr string, p socketio.Parser) *rawClient {
	tb.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	c := &rawClient{conn: conn, reached: make(chan struct{}, 1), done: make(chan struct{})}
	tb.Cleanup(func() { conn.Close(); <-c.done })
	fmt.Fprintf(conn, "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: %s\r\n"+
		"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", addr)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		tb.Fatalf("upgrade: %v %v", resp, err)
	}
	if open := readFrame(tb, br); !strings.HasPrefix(open, "0{") {
		tb.Fatalf("OPEN: %q", open)
	}
	if _, err := conn.Write(connectFrame(p)); err != nil {
		tb.Fatal(err)
	}
	reply := readFrame(tb, br)
	if p == socketio.ParserJSON && !strings.HasPrefix(reply, `40{"sid":`) || !strings.Contains(reply, "sid") {
		tb.Fatalf("CONNECT reply: %q", reply)
	}
	go func() {
		defer close(c.done)
		_, _ = ioCopy(c, br)
	}()
	return c
}

func benchmarkParserFanout(b *testing.B, p socketio.Parser, clients int) {
	io := socketio.NewServer(&socketio.Options{Parser: p, Engine: engineio.Options{PingInterval: time.Hour, WriteQueueSize: 1 << 20}})
	ts := httptest.NewServer(io)
	b.Cleanup(func() { io.Close(); ts.Close() })
	addr := strings.TrimPrefix(ts.URL, "http://")
	cs := make([]*rawClient, clients)
	for i := range cs {
		cs[i] = dialRawParser(b, addr, p)
	}
	for len(io.Sockets().Sockets()) < clients {
		time.Sleep(time.Millisecond)
	}
	args := []any{"hello", 1, map[string]any{"user": "ann", "n": 1.5}}
	frame := int64(2 + len(`42["bench","hello",1,{"n":1.5,"user":"ann"}]`))
	if p == socketio.ParserMsgpack {
		enc, _ := msgpackparser.Encode(&parser.Packet{Type: parser.Event, Data: []byte(`["bench","hello",1,{"n":1.5,"user":"ann"}]`)})
		frame = int64(2 + len(enc))
	}
	n := 0
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for b.Loop() {
		if err := io.Emit("bench", args...); err != nil {
			b.Fatal(err)
		}
		n++
		if n%window == 0 {
			waitDelivered(b, cs, int64(n)*frame)
		}
	}
	waitDelivered(b, cs, int64(n)*frame)
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(n*clients), "B/recipient")
}

func benchmarkParserEcho(b *testing.B, p socketio.Parser) {
	io, url := newServer(b, &socketio.Options{Parser: p, Engine: engineio.Options{PingInterval: time.Hour}})
	type msg struct {
		Room string `json:"room"`
		Text string `json:"text"`
	}
	io.OnConnection(func(s *socketio.Socket) {
		s.On("msg", func(m msg, ack socketio.AckFunc) { ack(len(m.Text), m) })
	})
	c := eiotest.Dial(b, url+"/socket.io/", eiotest.Options{Transport: "websocket"})
	connect := packet.Packet{Type: packet.Message, Data: []byte("0")} // the engine adds its "4"
	if p == socketio.ParserMsgpack {
		connect = packet.Packet{Type: packet.Message, Data: connectFrame(p)[6:], Binary: true}
	}
	if err := c.Send(connect); err != nil {
		b.Fatal(err)
	}
	if _, err := c.Recv(wait); err != nil {
		b.Fatal(err)
	}
	const data = `["msg",{"room":"lobby","text":"hello"}]`
	b.ReportAllocs()
	var id uint64
	for b.Loop() {
		id++
		var m packet.Packet
		if p == socketio.ParserMsgpack {
			enc, _ := msgpackparser.Encode(&parser.Packet{Type: parser.Event, ID: id, HasID: true, Data: []byte(data)})
			m = packet.Packet{Type: packet.Message, Data: enc, Binary: true}
		} else {
			m = packet.Packet{Type: packet.Message, Data: []byte("2" + strconv.FormatUint(id, 10) + data)}
		}
		if err := c.Send(m); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Recv(wait); err != nil {
			b.Fatal(err)
		}
	}
}

// ioCopy is io.Copy, whose package name the benchmarks use for a server.
var ioCopy = stdio.Copy
