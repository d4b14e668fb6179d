package chat_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/duplexio/duplex/cmd/duplex/internal/chat"
	"github.com/duplexio/duplex/internal/eiotest"
	"github.com/duplexio/duplex/parser"
	"github.com/duplexio/duplex/socketio"
)

func TestMain(m *testing.M) { eiotest.CheckLeaks(m) }

// wait bounds what a test waits for; quiet is how long it listens to check
// that something does NOT arrive.
const (
	wait  = 10 * time.Second
	quiet = 150 * time.Millisecond
)

// newServer starts a Socket.IO server with the chat on "/" behind an
// httptest server, shut down by Cleanup.
func newServer(t *testing.T, opts *chat.Options) (string, *chat.Chat) {
	t.Helper()
	io := socketio.NewServer(nil)
	c := chat.Register(io.Sockets(), opts)
	ts := httptest.NewServer(io)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if err := io.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		ts.Close()
	})
	return ts.URL, c
}

// client is a raw Socket.IO client speaking the chat protocol. Packets it
// reads past while looking for one are kept for later lookups.
type client struct {
	t       *testing.T
	sio     *eiotest.SIO
	id      string
	welcome chat.Welcome
	pending []*parser.Packet
	ackID   uint64
}

// connect connects with the display name and reads the welcome.
func connect(t *testing.T, url, name string) *client {
	t.Helper()
	c := &client{t: t, sio: eiotest.DialSIO(t, url, eiotest.Options{Transport: "websocket"})}
	p, err := c.sio.Connect("/", map[string]string{"name": name})
	if err != nil {
		t.Fatalf("connect %q: %v", name, err)
	}
	if p.Type != parser.Connect {
		t.Fatalf("connect %q: got %v %s", name, p.Type, p.Data)
	}
	c.event(chat.EventWelcome, &c.welcome)
	c.id = c.welcome.ID
	return c
}

// refused connects with auth and returns the connect_error message.
func refused(t *testing.T, url string, auth any) string {
	t.Helper()
	sio := eiotest.DialSIO(t, url, eiotest.Options{Transport: "websocket"})
	p, err := sio.Connect("/", auth)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	if p.Type != parser.ConnectError {
		t.Fatalf("auth %v: got %v %s, want CONNECT_ERROR", auth, p.Type, p.Data)
	}
	var e struct{ Message string }
	if err := json.Unmarshal(p.Data, &e); err != nil {
		t.Fatal(err)
	}
	return e.Message
}

func (c *client) user() chat.User { return chat.User{ID: c.id, Name: c.welcome.Name} }

// emit sends an event without asking for an ack.
func (c *client) emit(event string, args ...any) {
	c.t.Helper()
	if err := c.sio.Emit("/", nil, event, args...); err != nil {
		c.t.Fatalf("emit %s: %v", event, err)
	}
}

// call sends an event asking for an ack and decodes the ack's argument
// into v.
func (c *client) call(v any, event string, args ...any) {
	c.t.Helper()
	id := c.ackID
	c.ackID++
	if err := c.sio.Emit("/", &id, event, args...); err != nil {
		c.t.Fatalf("emit %s: %v", event, err)
	}
	p := c.find(wait, func(p *parser.Packet) bool { return p.Type == parser.Ack && p.ID == id })
	if p == nil {
		c.t.Fatalf("%s: no ack", event)
	}
	decodeFirst(c.t, p.Data, v)
}

// event waits for the next event named name and decodes its argument into
// v.
func (c *client) event(name string, v any) {
	c.t.Helper()
	p := c.find(wait, isEvent(name))
	if p == nil {
		c.t.Fatalf("%s %q: no %s event", c.welcome.Name, c.id, name)
	}
	var args []json.RawMessage
	if err := json.Unmarshal(p.Data, &args); err != nil || len(args) < 2 {
		c.t.Fatalf("%s: bad event data %s", name, p.Data)
	}
	if err := json.Unmarshal(args[1], v); err != nil {
		c.t.Fatalf("%s: %v", name, err)
	}
}

// none checks that no event named name arrives for a while.
func (c *client) none(name string) {
	c.t.Helper()
	if p := c.find(quiet, isEvent(name)); p != nil {
		c.t.Errorf("%s got an unexpected %s: %s", c.welcome.Name, name, p.Data)
	}
}

func isEvent(name string) func(*parser.Packet) bool {
	return func(p *parser.Packet) bool { return p.Type == parser.Event && eiotest.EventName(p) == name }
}

// find returns the first packet, kept or new, that match accepts, removing
// it; nil after d.
func (c *client) find(d time.Duration, match func(*parser.Packet) bool) *parser.Packet {
	if i := slices.IndexFunc(c.pending, match); i >= 0 {
		p := c.pending[i]
		c.pending = slices.Delete(c.pending, i, i+1)
		return p
	}
	deadline := time.Now().Add(d)
	for {
		p, err := c.sio.Next(time.Until(deadline))
		if errors.Is(err, eiotest.ErrTimeout) {
			return nil
		}
		if err != nil {
			c.t.Fatalf("read: %v", err)
		}
		if match(p) {
			return p
		}
		c.pending = append(c.pending, p)
	}
}

func decodeFirst(t *testing.T, data []byte, v any) {
	t.Helper()
	var args []json.RawMessage
	if err := json.Unmarshal(data, &args); err != nil || len(args) == 0 {
		t.Fatalf("bad ack data %s", data)
	}
	if err := json.Unmarshal(args[0], v); err != nil {
		t.Fatalf("ack %s: %v", args[0], err)
	}
}

// ack is any acknowledgement of the protocol.
type ack struct {
	ID      string         `json:"id"`
	TS      int64          `json:"ts"`
	Error   string         `json:"error"`
	History []chat.Message `json:"history"`
}

// send sends a message and returns its acknowledgement.
func (c *client) send(msg map[string]any) ack {
	c.t.Helper()
	var a ack
	c.call(&a, chat.EventMessage, msg)
	return a
}

// mustSend sends a message that must be accepted.
func (c *client) mustSend(msg map[string]any) ack {
	c.t.Helper()
	a := c.send(msg)
	if a.Error != "" || a.ID == "" || a.TS == 0 {
		c.t.Fatalf("message %v: ack %+v", msg, a)
	}
	return a
}

// join joins room and returns its history.
func (c *client) join(room string) []chat.Message {
	c.t.Helper()
	var a ack
	c.call(&a, chat.EventJoinRoom, room)
	if a.Error != "" || a.History == nil {
		c.t.Fatalf("join-room %q: ack %+v", room, a)
	}
	return a.History
}

// volatileEvent calls send until a typing event arrives, and decodes it
// into v. Typing is volatile: the server drops an indicator for a client
// whose connection is still busy writing the previous one, which a test
// sending two in a row can hit.
func (c *client) volatileEvent(v any, send func()) {
	c.t.Helper()
	deadline := time.Now().Add(wait)
	for sent := 1; ; sent++ {
		send()
		if p := c.find(quiet, isEvent(chat.EventTyping)); p != nil {
			c.pending = append([]*parser.Packet{p}, c.pending...)
			c.event(chat.EventTyping, v)
			// A late copy of an earlier try is no unexpected event.
			for ; sent > 1 && c.find(quiet, isEvent(chat.EventTyping)) != nil; sent-- {
			}
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("%s: no typing event", c.welcome.Name)
		}
	}
}
