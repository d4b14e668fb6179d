package engineio_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/internal/eiotest"
)

// wsURL is the WebSocket address of the server with the raw query q.
func (e *env) wsURL(q string) string {
	return "ws" + strings.TrimPrefix(e.url(q), "http")
}

// dialWS opens a raw WebSocket session and reads its OPEN frame.
func dialWS(t testing.TB, e *env, h http.Header) (*eiotest.WS, *rec) {
	t.Helper()
	ws := dialRaw(t, e.wsURL("EIO=4&transport=websocket"), h)
	f, err := ws.Recv(wait)
	if err != nil || !strings.HasPrefix(string(f.Data), `0{"sid":`) {
		t.Fatalf("first frame %q, %v", f.Data, err)
	}
	return ws, e.next(t)
}

func dialRaw(t testing.TB, url string, h http.Header) *eiotest.WS {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	ws, err := eiotest.DialWS(ctx, url, h)
	if err != nil {
		t.Fatalf("DialWS: %v", err)
	}
	t.Cleanup(ws.Close)
	return ws
}

// expectFrame reads the next frame and compares it with a literal.
func expectFrame(t testing.TB, ws *eiotest.WS, data string, binary bool) {
	t.Helper()
	f, err := ws.Recv(wait)
	if err != nil {
		t.Fatalf("waiting for %q: %v", data, err)
	}
	if string(f.Data) != data || f.Binary != binary {
		t.Errorf("frame %q (binary %v), want %q (binary %v)", f.Data, f.Binary, data, binary)
	}
}

// expectClosed waits for the server to close the WebSocket.
func expectClosed(t testing.TB, ws *eiotest.WS) {
	t.Helper()
	for {
		f, err := ws.Recv(wait)
		if errors.Is(err, eiotest.ErrClosed) {
			return
		}
		if err != nil {
			t.Fatalf("WebSocket not closed: %v", err)
		}
		t.Logf("frame before close: %q", f.Data)
	}
}

func TestWebSocketFrames(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, false)
	ws, r := dialWS(t, e, nil)

	if err := r.s.Write(
		engineio.Message{Data: []byte("hello")},
		engineio.Message{Data: []byte{1, 2, 3}, Binary: true},
		engineio.Message{Data: []byte("é")},
	); err != nil {
		t.Fatal(err)
	}
	expectFrame(t, ws, "4hello", false)
	expectFrame(t, ws, "\x01\x02\x03", true)
	expectFrame(t, ws, "4é", false)

	sends := []struct {
		frame  string
		binary bool
		want   msg
		none   bool // nothing reaches the receiver
	}{
		{"4hi", false, msg{"hi", false}, false},
		{"4", false, msg{"", false}, false},
		{"\x00\xff", true, msg{"\x00\xff", true}, false},
		{"4looks like text", true, msg{"4looks like text", true}, false},
		{"bAQID", false, msg{"\x01\x02\x03", true}, false}, // forceBase64 clients
		{"6", false, msg{}, true},                          // noop
		{"3", false, msg{}, true},                          // unsolicited pong
		{"4last", false, msg{"last", false}, false},
	}
	for _, s := range sends {
		var err error
		if s.binary {
			err = ws.WriteBinary([]byte(s.frame))
		} else {
			err = ws.WriteText(s.frame)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range sends {
		if s.none {
			continue
		}
		if got := r.nextMsg(t); got != s.want {
			t.Errorf("received %q (binary %v), want %q (binary %v)", got.data, got.binary, s.want.data, s.want.binary)
		}
	}
	if r.isClosed() {
		t.Errorf("closed: %q %v", r.reason, r.err)
	}
}

func TestWebSocketErrors(t *testing.T) {
	t.Parallel()
	big := "4" + strings.Repeat("x", 1000)
	tests := []struct {
		name   string
		frame  string
		binary bool
		reason string
	}{
		{"text over MaxHTTPBufferSize", big, false, engineio.ReasonTransportError},
		{"binary over MaxHTTPBufferSize", big, true, engineio.ReasonTransportError},
		{"invalid UTF-8", "4\xff\xfe", false, engineio.ReasonTransportError},
		{"unknown type", "9", false, engineio.ReasonParseError},
		{"garbage", "garbage", false, engineio.ReasonParseError},
		{"empty text frame", "", false, engineio.ReasonParseError},
		{"bad base64", "bAQ", false, engineio.ReasonParseError},
		{"close packet", "1", false, engineio.ReasonTransportClose},
		{"open packet", "0", false, engineio.ReasonTransportError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, &engineio.Options{MaxHTTPBufferSize: 1000}, false)
			ws, r := dialWS(t, e, nil)
			var err error
			if tt.binary {
				err = ws.WriteBinary([]byte(tt.frame))
			} else {
				err = ws.WriteText(tt.frame)
			}
			if err != nil {
				t.Fatal(err)
			}
			r.waitClose(t, tt.reason, nil)
			expectClosed(t, ws)
			select {
			case m := <-r.msgs:
				t.Errorf("received %q", m.data)
			default:
			}
		})
	}
}

// A frame of exactly MaxHTTPBufferSize bytes is accepted.
func TestWebSocketLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, &engineio.Options{MaxHTTPBufferSize: 1000}, false)
	ws, r := dialWS(t, e, nil)
	frame := "4" + strings.Repeat("x", 999)
	if err := ws.WriteText(frame); err != nil {
		t.Fatal(err)
	}
	if m := r.nextMsg(t); m.data != frame[1:] {
		t.Errorf("received %d bytes", len(m.data))
	}
}

func TestWebSocketClientCloses(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, false)
	ws, r := dialWS(t, e, nil)
	ws.Close() // close frame 1000
	r.waitClose(t, engineio.ReasonTransportClose, nil)
}

// TestWebSocketWriteAfterIdle: a reply written on the caller's goroutine
// after the connection was quiet for longer than WriteTimeout still goes
// out. The writer's last deadline had passed by then, and the direct write
// failed with "i/o timeout", closing the session (seen in the browser e2e
// test, where a chat page was idle for 10 s).
func TestWebSocketWriteAfterIdle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, &engineio.Options{WriteTimeout: 100 * time.Millisecond}, false)
	ws, r := dialWS(t, e, nil)
	if err := r.s.Enqueue(engineio.Message{Data: []byte("queued")}); err != nil {
		t.Fatal(err)
	}
	expectFrame(t, ws, "4queued", false)
	for i := range 3 {
		time.Sleep(150 * time.Millisecond)
		if err := r.s.Write(engineio.Message{Data: []byte("direct")}); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		expectFrame(t, ws, "4direct", false)
	}
	if r.isClosed() {
		t.Errorf("closed: %q %v", r.reason, r.err)
	}
}
