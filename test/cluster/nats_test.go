package cluster

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/adapter/natsadapter"
	"github.com/duplexio/duplex/internal/testservice"
	"github.com/duplexio/duplex/socketio"
)

// natsURL returns the NATS server that the package's tests share, started
// for this test binary on a free port (internal/testservice).
func natsURL(t testing.TB) string { return testservice.SharedNATS(t).URL() }

// startNATSNode starts a Go node on NATS with the subject prefix.
func startNATSNode(t testing.TB, url, prefix string) *goNode {
	t.Helper()
	nc, err := natsadapter.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	b := natsadapter.New(nc, &natsadapter.Options{Prefix: prefix, RequestTimeout: 3 * time.Second,
		HeartbeatInterval: time.Second, Logger: testLogger(t)})
	return serveGoNode(t, b.Adapter, b.Close, func() error { nc.Close(); return nil })
}

// TestNATSCluster runs every cluster operation across three Go nodes on
// NATS, one client on each.
func TestNATSCluster(t *testing.T) {
	t.Parallel()
	url := natsURL(t)
	prefix := "duplex-test." + adapter.RandomID(6)
	nodes := []*goNode{startNATSNode(t, url, prefix), startNATSNode(t, url, prefix), startNATSNode(t, url, prefix)}
	for _, g := range nodes {
		waitServers(t, g, 3)
	}
	a, b, c := nodes[0].io.Of("/"), nodes[1].io.Of("/"), nodes[2].io.Of("/")
	ca, cb, cc := connectClient(t, nodes[0].url, "a"), connectClient(t, nodes[1].url, "b"), connectClient(t, nodes[2].url, "c")
	ca.join(t, "r1")
	cb.join(t, "r1")
	eventually(t, "rooms", func() error { return fetchedRooms(c, map[string]string{ca.id: "r1", cb.id: "r1"}) })

	t.Run("BroadcastRoomsExceptBinary", func(t *testing.T) {
		if err := c.To("r1").Except(cb.id).Emit("hello", "x", []byte{1, 2}); err != nil {
			t.Fatal(err)
		}
		p := ca.event(t, "hello")
		if string(p.Data) != `["hello","x",{"_placeholder":true,"num":0}]` || len(p.Attachments) != 1 || !bytes.Equal(p.Attachments[0], []byte{1, 2}) {
			t.Fatalf("got %s %v", p.Data, p.Attachments)
		}
		_ = a.Emit("marker")
		for _, cl := range []*client{ca, cb, cc} {
			if got := cl.firstEvent(t); got != "marker" {
				t.Fatalf("client %s got %q, want marker", cl.id, got)
			}
		}
	})
	t.Run("SocketsJoinLeave", func(t *testing.T) {
		a.In(cc.id).SocketsJoin("r2")
		eventually(t, "join", func() error { return fetchedRooms(b, map[string]string{cc.id: "r2"}) })
		_ = b.To("r2").Emit("to-r2")
		cc.event(t, "to-r2")
		b.In("r2").SocketsLeave("r2")
		eventually(t, "leave", func() error {
			rooms, err := a.AllRooms(context.Background())
			if err != nil || slices.Contains(rooms, "r2") {
				return fmt.Errorf("allRooms %v, %v", rooms, err)
			}
			return nil
		})
	})
	t.Run("FetchSockets", func(t *testing.T) {
		sockets, err := b.FetchSockets(context.Background())
		if err != nil || len(sockets) != 3 {
			t.Fatalf("FetchSockets = %d, %v", len(sockets), err)
		}
		for _, s := range sockets {
			d, _ := s.Data.(map[string]any)
			if d["node"] != "go" || s.Handshake == nil || !slices.Contains(s.Rooms, s.ID) {
				t.Fatalf("socket %+v", s)
			}
		}
		in, err := b.In("r1").FetchSockets(context.Background())
		if err != nil || len(in) != 2 {
			t.Fatalf("In(r1).FetchSockets = %d, %v", len(in), err)
		}
	})
	t.Run("ServerSideEmitWithAck", func(t *testing.T) {
		answers, err := a.ServerSideEmitWithAck(context.Background(), "ping-go", 1)
		if err != nil || len(answers) != 2 || string(answers[0]) != "11" || string(answers[1]) != "11" {
			t.Fatalf("answers %s, %v", answers, err)
		}
	})
	t.Run("BroadcastWithAck", func(t *testing.T) {
		type result struct {
			r   []socketio.Args
			err error
		}
		done := make(chan result, 1)
		go func() {
			r, err := a.Timeout(5*time.Second).EmitWithAck(context.Background(), "ask")
			done <- result{r, err}
		}()
		for i, cl := range []*client{ca, cb, cc} {
			cl.ackNext(t, "ask", i)
		}
		res := <-done
		if res.err != nil || len(res.r) != 3 {
			t.Fatalf("EmitWithAck = %d answers, %v", len(res.r), res.err)
		}
	})
	t.Run("AllRooms", func(t *testing.T) {
		rooms, err := c.AllRooms(context.Background())
		for _, want := range []string{"r1", ca.id, cb.id, cc.id} {
			if !slices.Contains(rooms, want) {
				t.Fatalf("allRooms %v (%v) lacks %q", rooms, err, want)
			}
		}
	})
	t.Run("DisconnectSockets", func(t *testing.T) {
		a.In(cc.id).DisconnectSockets(false)
		if err := waitDisconnect(cc); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ServerCountAfterClose", func(t *testing.T) {
		nodes[2].stop()
		waitServers(t, nodes[0], 2)
	})
}

// fetchedRooms checks, through ns's FetchSockets, that each socket is in
// its room.
func fetchedRooms(ns *socketio.Namespace, want map[string]string) error {
	sockets, err := ns.FetchSockets(context.Background())
	if err != nil {
		return err
	}
	got := map[string][]string{}
	for _, s := range sockets {
		got[s.ID] = s.Rooms
	}
	for id, room := range want {
		if !slices.Contains(got[id], room) {
			return fmt.Errorf("socket %s rooms %v lack %q", id, got[id], room)
		}
	}
	return nil
}
