package hardening_test

import (
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/lxzan/gws"

	"github.com/duplexio/duplex/engineio/packet"
	"github.com/duplexio/duplex/internal/eiotest"
)

// TestInvalidUTF8WebSocket: a text frame that is not UTF-8 violates RFC
// 6455; the server fails the connection with close code 1007.
func TestInvalidUTF8WebSocket(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	bystander := e.client(t, "websocket", "")
	c := e.client(t, "websocket", "utf8")
	if err := c.Send(packet.Packet{Type: packet.Message, Data: []byte("2[\"echo\",\"\xff\xfe\"]")}); err != nil {
		t.Fatal(err)
	}
	expectClosed(t, c)
	var ce *gws.CloseError
	if err := c.Err(); !errors.As(err, &ce) || ce.Code != 1007 {
		t.Errorf("client sees %v, want close code 1007", err)
	}
	if got, want := e.reason(t, "utf8"), "transport error websocket: invalid UTF-8 in text message (close 1007)"; got != want {
		t.Errorf("disconnect reason %q, want %q", got, want)
	}
	e.healthy(t, bystander)
}

// TestInvalidUTF8Polling: a polling body is text; invalid UTF-8 in a string
// reaches a string parameter as U+FFFD (as Node decodes it).
func TestInvalidUTF8Polling(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	c := e.client(t, "polling", "")
	if err := c.Send(packet.Packet{Type: packet.Message, Data: []byte("23[\"echo\",\"\xff\"]")}); err != nil {
		t.Fatal(err)
	}
	p, err := c.Next(wait)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := wire(p), "33[\"\uFFFD\"]"; got != want {
		t.Errorf("ack %q, want %q", got, want)
	}
	e.healthy(t, c)
}

// TestInvalidUTF8Relayed: a polling client must not be able to make the
// server send invalid UTF-8 in a WebSocket text frame (here through a
// handler that relays its json.RawMessage argument), which makes browsers
// fail the WebSocket of every recipient.
func TestInvalidUTF8Relayed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	victim := e.client(t, "websocket", "victim")
	attacker := e.client(t, "polling", "")
	if err := attacker.Send(packet.Packet{Type: packet.Message, Data: []byte("2[\"relay\",\"\xff\"]")}); err != nil {
		t.Fatal(err)
	}
	p, err := victim.Next(wait)
	if err == nil && !utf8.ValidString(wire(p)) {
		t.Errorf("WebSocket client got a text frame that is not UTF-8: %q", wire(p))
	} else if want := "2[\"relayed\",\"\uFFFD\"]"; err == nil && wire(p) != want {
		t.Errorf("victim got %q, want %q", wire(p), want)
	}
	if errors.Is(err, eiotest.ErrClosed) {
		t.Errorf("victim disconnected: %v; server side: %s", victim.Err(), e.reason(t, "victim"))
	}
}
