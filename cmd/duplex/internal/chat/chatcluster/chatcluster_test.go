// Package chatcluster tests the chat of cmd/duplex/internal/chat on a cluster: two
// in-process nodes on one Redis, a user on each.
package chatcluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/adapter/redis"
	"github.com/duplexio/duplex/cmd/duplex/internal/chat"
	"github.com/duplexio/duplex/internal/eiotest"
	"github.com/duplexio/duplex/internal/testservice"
	"github.com/duplexio/duplex/parser"
	"github.com/duplexio/duplex/socketio"
)

func TestMain(m *testing.M) { testservice.Main(m) }

// wait bounds what a test waits for; quiet is how long it listens to check
// that something does NOT arrive.
const (
	wait  = 10 * time.Second
	quiet = 300 * time.Millisecond
)

// redisURL returns the Redis that the package's tests share, started for
// this test binary on a free port (internal/testservice).
func redisURL(t *testing.T) string { return testservice.SharedRedis(t).URL() }

// node is a chat server on the Redis adapter.
type node struct {
	io      *socketio.Server
	url     string
	fetches *atomic.Int64 // cluster-wide FetchSockets requests
}

// countingAdapter counts the cluster look-ups the chat makes.
type countingAdapter struct {
	adapter.Adapter
	fetches *atomic.Int64
}

func (a countingAdapter) FetchSockets(ctx context.Context, opts *adapter.BroadcastOptions) ([]adapter.SocketInfo, error) {
	a.fetches.Add(1)
	return a.Adapter.FetchSockets(ctx, opts)
}

// startNode starts a chat node on Redis url, in the cluster of key; it
// shuts down at cleanup.
func startNode(t *testing.T, url, key string) *node {
	t.Helper()
	client, err := redis.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	b := redis.New(client, &redis.Options{Key: key, RequestTimeout: 3 * time.Second})
	fetches := new(atomic.Int64)
	srv := socketio.NewServer(&socketio.Options{Adapter: func(ns adapter.Namespace) adapter.Adapter {
		return countingAdapter{b.Adapter(ns), fetches}
	}})
	chat.Register(srv.Sockets(), nil)
	ts := httptest.NewServer(srv)
	stop := sync.OnceFunc(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		ts.Close()
		_ = b.Close()
		_ = client.Close()
	})
	t.Cleanup(stop)
	return &node{io: srv, url: ts.URL, fetches: fetches}
}

// startCluster starts n chat nodes on a key of their own, and waits until
// each sees all n.
func startCluster(t *testing.T, n int) []*node {
	t.Helper()
	url := redisURL(t)
	key := "duplex-test-chat-" + adapter.RandomID(6)
	nodes := make([]*node, n)
	for i := range nodes {
		nodes[i] = startNode(t, url, key)
	}
	for _, nd := range nodes {
		eventually(t, "server count", func() error {
			got, err := nd.io.Sockets().Adapter().ServerCount(context.Background())
			if err != nil || got != n {
				return fmt.Errorf("ServerCount = %d, %v; want %d", got, err, n)
			}
			return nil
		})
	}
	return nodes
}

// eventually retries f until it returns nil or wait passes.
func eventually(t *testing.T, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// client is a raw Socket.IO client speaking the chat protocol. Packets it
// reads past while looking for one are kept for later lookups.
type client struct {
	t       *testing.T
	sio     *eiotest.SIO
	welcome chat.Welcome
	pending []*parser.Packet
	ackID   uint64
}

// connect connects to url with the display name and reads the welcome.
func connect(t *testing.T, url, name string) *client {
	t.Helper()
	c := &client{t: t, sio: eiotest.DialSIO(t, url, eiotest.Options{Transport: "websocket"})}
	p, err := c.sio.Connect("/", map[string]string{"name": name})
	if err != nil || p.Type != parser.Connect {
		t.Fatalf("connect %q: %v %v", name, p, err)
	}
	c.event(chat.EventWelcome, &c.welcome)
	return c
}

func (c *client) user() chat.User { return chat.User{ID: c.welcome.ID, Name: c.welcome.Name} }

// emit sends an event without asking for an ack.
func (c *client) emit(event string, arg any) {
	c.t.Helper()
	if err := c.sio.Emit("/", nil, event, arg); err != nil {
		c.t.Fatalf("emit %s: %v", event, err)
	}
}

// ack is any acknowledgement of the protocol.
type ack struct {
	ID      string         `json:"id"`
	TS      int64          `json:"ts"`
	Error   string         `json:"error"`
	History []chat.Message `json:"history"`
}

// call sends an event asking for an ack, and returns the ack.
func (c *client) call(event string, arg any) ack {
	c.t.Helper()
	id := c.ackID
	c.ackID++
	if err := c.sio.Emit("/", &id, event, arg); err != nil {
		c.t.Fatalf("emit %s: %v", event, err)
	}
	p := c.find(wait, func(p *parser.Packet) bool { return p.Type == parser.Ack && p.ID == id })
	if p == nil {
		c.t.Fatalf("%s: no ack", event)
	}
	var args []json.RawMessage
	var a ack
	if err := json.Unmarshal(p.Data, &args); err != nil || len(args) == 0 || json.Unmarshal(args[0], &a) != nil {
		c.t.Fatalf("%s: bad ack %s", event, p.Data)
	}
	return a
}

// mustSend sends a message that must be accepted.
func (c *client) mustSend(msg map[string]any) ack {
	c.t.Helper()
	a := c.call(chat.EventMessage, msg)
	if a.Error != "" || a.ID == "" {
		c.t.Fatalf("message %v: ack %+v", msg, a)
	}
	return a
}

// event waits for the next event named name and decodes its argument
// into v.
func (c *client) event(name string, v any) {
	c.t.Helper()
	p := c.find(wait, isEvent(name))
	if p == nil {
		c.t.Fatalf("%s: no %s event", c.welcome.Name, name)
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

// find returns the first packet, kept or new, that match accepts,
// removing it; nil after d.
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

// receive waits for the next received-message.
func (c *client) receive() chat.Message {
	c.t.Helper()
	var m chat.Message
	c.event(chat.EventReceivedMessage, &m)
	return m
}

func TestChatAcrossNodes(t *testing.T) {
	nodes := startCluster(t, 2)
	alice := connect(t, nodes[0].url, "alice")
	// alice is in a room before bob arrives: bob's welcome lists it.
	if h := alice.call(chat.EventJoinRoom, "lobby"); h.Error != "" {
		t.Fatalf("join-room: %+v", h)
	}
	bob := connect(t, nodes[1].url, "bob")

	// The second user's welcome lists the first, on the other node, and
	// the room she is in.
	want := []chat.User{alice.user(), bob.user()}
	if !slices.Equal(bob.welcome.Users, want) {
		t.Errorf("bob's welcome users = %v, want %v", bob.welcome.Users, want)
	}
	if !slices.Contains(bob.welcome.Rooms, "lobby") {
		t.Errorf("bob's welcome rooms = %v, want lobby in them", bob.welcome.Rooms)
	}
	var joined chat.User
	alice.event(chat.EventUserJoined, &joined)
	if joined != bob.user() {
		t.Errorf("alice: user-joined %v, want %v", joined, bob.user())
	}

	// A third user, on bob's node, to check that direct messages go to
	// their recipient only.
	carol := connect(t, nodes[1].url, "carol")
	if got := carol.welcome.Users; len(got) != 3 {
		t.Errorf("carol's welcome users = %v, want 3", got)
	}
	alice.event(chat.EventUserJoined, &joined)
	bob.event(chat.EventUserJoined, &joined)

	// A public message from alice reaches both other nodes' users.
	a := alice.mustSend(map[string]any{"text": "hello all"})
	for _, c := range []*client{bob, carol} {
		m := c.receive()
		if m.ID != a.ID || m.Text != "hello all" || m.From != alice.user() || m.Room != "" || m.To != "" {
			t.Errorf("%s received %+v", c.welcome.Name, m)
		}
	}

	// A direct message from bob to alice's id, on the other node, reaches
	// alice only.
	a = bob.mustSend(map[string]any{"text": "psst", "to": alice.welcome.ID})
	m := alice.receive()
	if m.ID != a.ID || m.Text != "psst" || m.From != bob.user() || m.To != alice.welcome.ID {
		t.Errorf("alice received %+v", m)
	}
	carol.none(chat.EventReceivedMessage)
	bob.none(chat.EventReceivedMessage)

	// Typing, directly to a user of the other node.
	bob.emit(chat.EventTyping, map[string]any{"to": alice.welcome.ID})
	var typing chat.Typing
	alice.event(chat.EventTyping, &typing)
	if typing.From != bob.user() || typing.To != alice.welcome.ID {
		t.Errorf("alice: typing %+v", typing)
	}

	// A room message crosses nodes to the room's members only.
	if h := bob.call(chat.EventJoinRoom, "lobby"); h.Error != "" {
		t.Fatalf("join-room: %+v", h)
	}
	a = alice.mustSend(map[string]any{"text": "in the lobby", "room": "lobby"})
	m = bob.receive()
	if m.ID != a.ID || m.Room != "lobby" || m.From != alice.user() {
		t.Errorf("bob received %+v", m)
	}
	carol.none(chat.EventReceivedMessage)

	// Direct messages to ids that are no user are refused, even when they
	// name a room with members on the other node.
	for _, to := range []string{"nobody", chat.RoomPrefix + "lobby"} {
		if a := carol.call(chat.EventMessage, map[string]any{"text": "x", "to": to}); a.Error == "" {
			t.Errorf("message to %q: ack %+v, want an error", to, a)
		}
	}
	alice.none(chat.EventReceivedMessage)

	// user-left reaches the other node.
	alice.sio.Close()
	for _, c := range []*client{bob, carol} {
		var left chat.User
		c.event(chat.EventUserLeft, &left)
		if left != alice.user() {
			t.Errorf("%s: user-left %v, want %v", c.welcome.Name, left, alice.user())
		}
	}

	// And a user arriving afterwards does not see her.
	dave := connect(t, nodes[0].url, "dave")
	want = []chat.User{bob.user(), carol.user(), dave.user()}
	if !slices.Equal(dave.welcome.Users, want) {
		t.Errorf("dave's welcome users = %v, want %v", dave.welcome.Users, want)
	}
}

// TestChatClusterAbuse: a typing indicator to an id nobody knows costs no
// cluster request (it cost 3-4 Redis commands).
func TestChatClusterAbuse(t *testing.T) {
	nodes := startCluster(t, 2)
	alice := connect(t, nodes[0].url, "alice")
	bob := connect(t, nodes[1].url, "bob")
	before := nodes[1].fetches.Load()
	for i := range chat.DefaultTypingBurst {
		bob.emit(chat.EventTyping, map[string]any{"to": fmt.Sprint("nobody", i)})
	}
	bob.mustSend(map[string]any{"text": "fence"}) // after the indicators
	alice.receive()
	if n := nodes[1].fetches.Load() - before; n != 0 {
		t.Errorf("%d cluster look-ups for %d typing indicators to nobody, want 0", n, chat.DefaultTypingBurst)
	}
}
