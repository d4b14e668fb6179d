// Package chattest is the chat's test client, shared by the chat's own tests
// and its cluster tests (chatcluster): a raw Socket.IO client over
// internal/eiotest that speaks the protocol of package chat and fails its
// test on anything unexpected.
package chattest

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/duplexio/duplex/cmd/duplex/internal/chat"
	"github.com/duplexio/duplex/internal/eiotest"
	"github.com/duplexio/duplex/internal/testtime"
	"github.com/duplexio/duplex/parser"
)

// Client is a raw Socket.IO client speaking the chat protocol. Packets it
// reads past while looking for one are kept in Pending for later lookups.
// Its fields are open so that a test can play a misbehaving client (send
// with SIO directly, pipeline acks with AckID).
type Client struct {
	T       testing.TB
	SIO     *eiotest.SIO
	ID      string // the chat's user id, from the welcome
	Welcome chat.Welcome
	Pending []*parser.Packet
	AckID   uint64
	// Quiet is how long None listens; zero means testtime.Quiet. The chat's
	// single-node tests, with no broker between sender and receiver, take
	// 150 ms (their suite ran 21 s under -race with it, 31 s with 300 ms).
	Quiet time.Duration
}

// Dial opens a connection (transport "websocket" or "polling") without
// joining the chat: the test sends the CONNECT itself.
func Dial(t testing.TB, url, transport string) *Client {
	t.Helper()
	return &Client{T: t, SIO: eiotest.DialSIO(t, url, eiotest.Options{Transport: transport})}
}

// Connect connects over WebSocket with the display name and reads the
// welcome.
func Connect(t testing.TB, url, name string) *Client {
	t.Helper()
	return ConnectAuth(t, url, map[string]string{"name": name})
}

// ConnectAuth connects over WebSocket with the auth payload (a name, a
// session token) and reads the welcome.
func ConnectAuth(t testing.TB, url string, auth any) *Client {
	t.Helper()
	c := Dial(t, url, "websocket")
	p, err := c.SIO.Connect("/", auth)
	if err != nil {
		t.Fatalf("connect %v: %v", auth, err)
	}
	if p.Type != parser.Connect {
		t.Fatalf("connect %v: got %v %s", auth, p.Type, p.Data)
	}
	c.Event(chat.EventWelcome, &c.Welcome)
	c.ID = c.Welcome.ID
	return c
}

// Refused connects with auth and returns the connect_error message.
func Refused(t testing.TB, url string, auth any) string {
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

// User is the client as the chat lists it.
func (c *Client) User() chat.User { return chat.User{ID: c.ID, Name: c.Welcome.Name} }

// Emit sends an event without asking for an ack.
func (c *Client) Emit(event string, args ...any) {
	c.T.Helper()
	if err := c.SIO.Emit("/", nil, event, args...); err != nil {
		c.T.Fatalf("emit %s: %v", event, err)
	}
}

// Call sends an event asking for an ack and decodes the ack's argument
// into v.
func (c *Client) Call(v any, event string, args ...any) {
	c.T.Helper()
	id := c.AckID
	c.AckID++
	if err := c.SIO.Emit("/", &id, event, args...); err != nil {
		c.T.Fatalf("emit %s: %v", event, err)
	}
	p := c.Find(testtime.Wait, func(p *parser.Packet) bool { return p.Type == parser.Ack && p.ID == id })
	if p == nil {
		c.T.Fatalf("%s: no ack", event)
	}
	DecodeFirst(c.T, p.Data, v)
}

// Ack is any acknowledgement of the protocol.
type Ack struct {
	ID      string         `json:"id"`
	TS      int64          `json:"ts"`
	Error   string         `json:"error"`
	History []chat.Message `json:"history"`
}

// CallAck sends an event asking for an ack and returns the ack.
func (c *Client) CallAck(event string, args ...any) Ack {
	c.T.Helper()
	var a Ack
	c.Call(&a, event, args...)
	return a
}

// Send sends a message and returns its acknowledgement.
func (c *Client) Send(msg map[string]any) Ack {
	c.T.Helper()
	return c.CallAck(chat.EventMessage, msg)
}

// MustSend sends a message that must be accepted.
func (c *Client) MustSend(msg map[string]any) Ack {
	c.T.Helper()
	a := c.Send(msg)
	if a.Error != "" || a.ID == "" || a.TS == 0 {
		c.T.Fatalf("message %v: ack %+v", msg, a)
	}
	return a
}

// Join joins room and returns its history.
func (c *Client) Join(room string) []chat.Message {
	c.T.Helper()
	a := c.CallAck(chat.EventJoinRoom, room)
	if a.Error != "" || a.History == nil {
		c.T.Fatalf("join-room %q: ack %+v", room, a)
	}
	return a.History
}

// Event waits for the next event named name and decodes its argument into
// v.
func (c *Client) Event(name string, v any) {
	c.T.Helper()
	p := c.Find(testtime.Wait, IsEvent(name))
	if p == nil {
		c.T.Fatalf("%s %q: no %s event", c.Welcome.Name, c.ID, name)
	}
	var args []json.RawMessage
	if err := json.Unmarshal(p.Data, &args); err != nil || len(args) < 2 {
		c.T.Fatalf("%s: bad event data %s", name, p.Data)
	}
	if err := json.Unmarshal(args[1], v); err != nil {
		c.T.Fatalf("%s: %v", name, err)
	}
}

// Receive waits for the next received-message.
func (c *Client) Receive() chat.Message {
	c.T.Helper()
	var m chat.Message
	c.Event(chat.EventReceivedMessage, &m)
	return m
}

// None checks that no event named name arrives for c.Quiet.
func (c *Client) None(name string) {
	c.T.Helper()
	if p := c.Find(c.quiet(), IsEvent(name)); p != nil {
		c.T.Errorf("%s got an unexpected %s: %s", c.Welcome.Name, name, p.Data)
	}
}

func (c *Client) quiet() time.Duration {
	if c.Quiet > 0 {
		return c.Quiet
	}
	return testtime.Quiet
}

// IsEvent matches the events named name.
func IsEvent(name string) func(*parser.Packet) bool {
	return func(p *parser.Packet) bool { return p.Type == parser.Event && eiotest.EventName(p) == name }
}

// Find returns the first packet, kept or new, that match accepts, removing
// it; nil after d.
func (c *Client) Find(d time.Duration, match func(*parser.Packet) bool) *parser.Packet {
	if i := slices.IndexFunc(c.Pending, match); i >= 0 {
		p := c.Pending[i]
		c.Pending = slices.Delete(c.Pending, i, i+1)
		return p
	}
	deadline := time.Now().Add(d)
	for {
		p, err := c.SIO.Next(time.Until(deadline))
		if errors.Is(err, eiotest.ErrTimeout) {
			return nil
		}
		if err != nil {
			c.T.Fatalf("read: %v", err)
		}
		if match(p) {
			return p
		}
		c.Pending = append(c.Pending, p)
	}
}

// DecodeFirst decodes the first argument of an ack's data into v.
func DecodeFirst(t testing.TB, data []byte, v any) {
	t.Helper()
	var args []json.RawMessage
	if err := json.Unmarshal(data, &args); err != nil || len(args) == 0 {
		t.Fatalf("bad ack data %s", data)
	}
	if err := json.Unmarshal(args[0], v); err != nil {
		t.Fatalf("ack %s: %v", args[0], err)
	}
}

// VolatileEvent calls send until a typing event arrives, and decodes it
// into v. Typing is volatile: the server drops an indicator for a client
// whose connection is still busy writing the previous one, which a test
// sending two in a row can hit.
func (c *Client) VolatileEvent(v any, send func()) {
	c.T.Helper()
	deadline := time.Now().Add(testtime.Wait)
	for sent := 1; ; sent++ {
		send()
		if p := c.Find(c.quiet(), IsEvent(chat.EventTyping)); p != nil {
			c.Pending = append([]*parser.Packet{p}, c.Pending...)
			c.Event(chat.EventTyping, v)
			// A late copy of an earlier try is no unexpected event.
			for ; sent > 1 && c.Find(c.quiet(), IsEvent(chat.EventTyping)) != nil; sent-- {
			}
			return
		}
		if time.Now().After(deadline) {
			c.T.Fatalf("%s: no typing event", c.Welcome.Name)
		}
	}
}
