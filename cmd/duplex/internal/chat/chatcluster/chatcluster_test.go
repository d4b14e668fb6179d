// Package chatcluster tests the chat of cmd/duplex/internal/chat on a cluster: two
// in-process nodes on one Redis, a user on each.
package chatcluster

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/adapter/redisadapter"
	"github.com/duplexio/duplex/cmd/duplex/internal/chat"
	"github.com/duplexio/duplex/cmd/duplex/internal/chat/chattest"
	"github.com/duplexio/duplex/internal/testservice"
	"github.com/duplexio/duplex/internal/testtime"
	"github.com/duplexio/duplex/parser"
	"github.com/duplexio/duplex/socketio"
)

func TestMain(m *testing.M) { testservice.Main(m) }

// wait bounds what a test waits for; quiet is how long it listens to check
// that something does NOT arrive.
const (
	wait  = testtime.Wait
	quiet = testtime.Quiet
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
	client, err := redisadapter.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	b := redisadapter.New(client, &redisadapter.Options{Key: key, RequestTimeout: 3 * time.Second})
	fetches := new(atomic.Int64)
	srv := socketio.NewServer(&socketio.Options{Adapter: func(ns adapter.Namespace) adapter.Adapter {
		return countingAdapter{b.Adapter(ns), fetches}
	}})
	chat.Register(srv.Sockets(), &chat.Options{Redis: client, RedisPrefix: key + ":chat:"})
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

// eventually retries f until it returns nil (testtime.Eventually).
var eventually = testtime.Eventually

// The chat's test client (chattest).
type client = chattest.Client

var connect = chattest.Connect

func TestChatAcrossNodes(t *testing.T) {
	nodes := startCluster(t, 2)
	alice := connect(t, nodes[0].url, "alice")
	// alice is in a room before bob arrives: bob's welcome lists it.
	if h := alice.CallAck(chat.EventJoinRoom, "lobby"); h.Error != "" {
		t.Fatalf("join-room: %+v", h)
	}
	bob := connect(t, nodes[1].url, "bob")

	// The second user's welcome lists the first, on the other node, and
	// the room she is in.
	want := []chat.User{alice.User(), bob.User()}
	if !slices.Equal(bob.Welcome.Users, want) {
		t.Errorf("bob's welcome users = %v, want %v", bob.Welcome.Users, want)
	}
	if !slices.Contains(bob.Welcome.Rooms, "lobby") {
		t.Errorf("bob's welcome rooms = %v, want lobby in them", bob.Welcome.Rooms)
	}
	var joined chat.User
	alice.Event(chat.EventUserJoined, &joined)
	if joined != bob.User() {
		t.Errorf("alice: user-joined %v, want %v", joined, bob.User())
	}

	// A third user, on bob's node, to check that direct messages go to
	// their recipient only.
	carol := connect(t, nodes[1].url, "carol")
	if got := carol.Welcome.Users; len(got) != 3 {
		t.Errorf("carol's welcome users = %v, want 3", got)
	}
	alice.Event(chat.EventUserJoined, &joined)
	bob.Event(chat.EventUserJoined, &joined)

	// A public message from alice reaches both other nodes' users.
	a := alice.MustSend(map[string]any{"text": "hello all"})
	for _, c := range []*client{bob, carol} {
		m := c.Receive()
		if m.ID != a.ID || m.Text != "hello all" || m.From != alice.User() || m.Room != "" || m.To != "" {
			t.Errorf("%s received %+v", c.Welcome.Name, m)
		}
	}

	// A direct message from bob to alice's id, on the other node, reaches
	// alice only.
	a = bob.MustSend(map[string]any{"text": "psst", "to": alice.Welcome.ID})
	m := alice.Receive()
	if m.ID != a.ID || m.Text != "psst" || m.From != bob.User() || m.To != alice.Welcome.ID {
		t.Errorf("alice received %+v", m)
	}
	carol.None(chat.EventReceivedMessage)
	bob.None(chat.EventReceivedMessage)

	// Typing, directly to a user of the other node.
	bob.Emit(chat.EventTyping, map[string]any{"to": alice.Welcome.ID})
	var typing chat.Typing
	alice.Event(chat.EventTyping, &typing)
	if typing.From != bob.User() || typing.To != alice.Welcome.ID {
		t.Errorf("alice: typing %+v", typing)
	}

	// A room message crosses nodes to the room's members only.
	if h := bob.CallAck(chat.EventJoinRoom, "lobby"); h.Error != "" {
		t.Fatalf("join-room: %+v", h)
	}
	a = alice.MustSend(map[string]any{"text": "in the lobby", "room": "lobby"})
	m = bob.Receive()
	if m.ID != a.ID || m.Room != "lobby" || m.From != alice.User() {
		t.Errorf("bob received %+v", m)
	}
	carol.None(chat.EventReceivedMessage)

	// Direct messages to ids that are no user are refused, even when they
	// name a room with members on the other node.
	for _, to := range []string{"nobody", chat.RoomPrefix + "lobby"} {
		if a := carol.CallAck(chat.EventMessage, map[string]any{"text": "x", "to": to}); a.Error == "" {
			t.Errorf("message to %q: ack %+v, want an error", to, a)
		}
	}
	alice.None(chat.EventReceivedMessage)

	// user-left reaches the other node.
	alice.SIO.Close()
	for _, c := range []*client{bob, carol} {
		var left chat.User
		c.Event(chat.EventUserLeft, &left)
		if left != alice.User() {
			t.Errorf("%s: user-left %v, want %v", c.Welcome.Name, left, alice.User())
		}
	}

	// And a user arriving afterwards does not see her.
	dave := connect(t, nodes[0].url, "dave")
	want = []chat.User{bob.User(), carol.User(), dave.User()}
	if !slices.Equal(dave.Welcome.Users, want) {
		t.Errorf("dave's welcome users = %v, want %v", dave.Welcome.Users, want)
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
		bob.Emit(chat.EventTyping, map[string]any{"to": fmt.Sprint("nobody", i)})
	}
	bob.MustSend(map[string]any{"text": "fence"}) // after the indicators
	alice.Receive()
	if n := nodes[1].fetches.Load() - before; n != 0 {
		t.Errorf("%d cluster look-ups for %d typing indicators to nobody, want 0", n, chat.DefaultTypingBurst)
	}
}

// TestSessionAndHistoryAcrossNodes: with Redis, a user whose page moves
// to another node (its node died, the balancer chose another) is the same
// user there, in its rooms, and the room's history, kept in Redis, is the
// same on every node.
func TestSessionAndHistoryAcrossNodes(t *testing.T) {
	nodes := startCluster(t, 2)
	alice := connect(t, nodes[0].url, "alice")
	bob := connect(t, nodes[1].url, "bob")
	alice.Join("lobby")
	sent := alice.MustSend(map[string]any{"text": "kept in redis", "room": "lobby"})
	if h := bob.Join("lobby"); len(h) != 1 || h[0].ID != sent.ID {
		t.Fatalf("bob joined lobby on the other node: history %+v, want alice's message", h)
	}
	alice.SIO.Close()
	var left chat.User
	bob.Event(chat.EventUserLeft, &left)

	back := chattest.ConnectAuth(t, nodes[1].url, map[string]string{"token": alice.Welcome.Token})
	if w := back.Welcome; w.ID != alice.ID || w.Name != "alice" || !slices.Equal(w.Joined, []string{"lobby"}) {
		t.Errorf("alice on the other node: welcome %+v, want her id, name and rooms", w)
	}
	a := back.MustSend(map[string]any{"text": "moved", "room": "lobby"})
	m := bob.Receive()
	if m.ID == sent.ID {
		// Live as well as in the history: the broadcast reached bob's node
		// after his join (README.md: clients skip the ids they have).
		m = bob.Receive()
	}
	if m.ID != a.ID {
		t.Errorf("bob received %+v", m)
	}
	carol := connect(t, nodes[0].url, "carol")
	if h := carol.Join("lobby"); len(h) != 2 || h[0].ID != sent.ID || h[1].ID != a.ID {
		t.Errorf("carol's history %+v, want both messages", h)
	}
	if !slices.Contains(carol.Welcome.Rooms, "lobby") {
		t.Errorf("carol's welcome rooms %v, want lobby", carol.Welcome.Rooms)
	}
}

// TestHistoryBoundsInRedis: a room's history in Redis keeps its last
// HistorySize messages, within HistoryRoomBytes.
func TestHistoryBoundsInRedis(t *testing.T) {
	nodes := startCluster(t, 1)
	alice := connect(t, nodes[0].url, "alice")
	alice.Join("busy")
	var last chattest.Ack
	for i := range 60 {
		for {
			last = alice.Send(map[string]any{"text": fmt.Sprint("message ", i), "room": "busy"})
			if last.Error == "" {
				break
			}
			time.Sleep(250 * time.Millisecond) // past the rate: wait for a token
		}
	}
	h := alice.Join("busy")
	if len(h) != chat.DefaultHistorySize || h[len(h)-1].ID != last.ID || h[0].Text != "message 10" {
		t.Errorf("history of %d messages, from %q: want the last %d", len(h), h[0].Text, chat.DefaultHistorySize)
	}
}

// TestRedisDown: with its Redis gone, a node goes on serving its own
// users: a room message is delivered and acknowledged, a join answers
// (without the history it cannot read), a new user signs in, each within
// the chat's Redis timeout at most; when Redis is back, sessions work
// again.
func TestRedisDown(t *testing.T) {
	srv := testservice.StartRedis(t)
	nd := startNode(t, srv.URL(), "duplex-test-chat-"+adapter.RandomID(6))
	alice, bob := connect(t, nd.url, "alice"), connect(t, nd.url, "bob")
	alice.Join("lobby")
	bob.Join("lobby")
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	a := alice.MustSend(map[string]any{"text": "redis is down", "room": "lobby"})
	if m := bob.Receive(); m.ID != a.ID {
		t.Errorf("bob received %+v", m)
	}
	sent := time.Since(start)
	carol := connect(t, nd.url, "carol")
	connected := time.Since(start) - sent
	if h := carol.CallAck(chat.EventJoinRoom, "lobby"); h.Error != "" || h.History == nil {
		t.Errorf("join-room with redis down: %+v", h)
	}
	t.Logf("with redis down: a room message %v, a new user %v (its welcome waits for the cluster's answer), a join %v",
		sent, connected, time.Since(start)-sent-connected)
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	// That Redis keeps nothing across a restart: a session saved once it
	// is back brings its user back.
	eventually(t, "a session saved in the Redis that is back", func() error {
		dave := connect(t, nd.url, "dave")
		dave.SIO.Close()
		back := chattest.Dial(t, nd.url, "websocket")
		defer back.SIO.Close()
		p, err := back.SIO.Connect("/", map[string]string{"token": dave.Welcome.Token})
		if err != nil || p.Type != parser.Connect {
			return fmt.Errorf("connect: %v, %v", p, err)
		}
		back.Event(chat.EventWelcome, &back.Welcome)
		if back.Welcome.ID != dave.ID {
			return fmt.Errorf("welcome %+v, want dave's id %s", back.Welcome, dave.ID)
		}
		return nil
	})
}
