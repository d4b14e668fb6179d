package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/duplexio/duplex/adapter/redisadapter"
	"github.com/duplexio/duplex/socketio"
)

// mixed is a cluster of one Go node and one official Node node on one
// Redis, with a client on each.
type mixed struct {
	g       *goNode
	n       *nodeNode
	goC, nC *client
	goIO    *socketio.Namespace
	ctx     context.Context
	sharded bool // sharded or streams adapter: no allRooms on Node, no emitter
}

func newMixed(t *testing.T, mode redisadapter.Mode) *mixed {
	url := redisURL(t)
	key := uniqueKey(t)
	m := &mixed{g: startGoNode(t, url, key, mode), n: startNodeNode(t, url, key, mode), ctx: context.Background(),
		sharded: mode != redisadapter.ModeClassic}
	m.goIO = m.g.io.Of("/")
	waitServers(t, m.g, 2)
	m.goC = connectClient(t, m.g.url, "gopher")
	m.nC = connectClient(t, m.n.url, "noder")
	m.goC.join(t, "both")
	m.nC.join(t, "both")
	eventually(t, "rooms", func() error {
		if m.sharded {
			return m.haveRooms(map[string][]string{m.goC.id: {"both"}, m.nC.id: {"both"}})
		}
		var rooms []string
		if err := m.n.try(map[string]any{"cmd": "allRooms"}, &rooms); err != nil {
			return err
		}
		if !slices.Contains(rooms, "both") || !slices.Contains(rooms, m.goC.id) {
			return fmt.Errorf("Node allRooms = %v", rooms)
		}
		return nil
	})
	return m
}

// TestMixedCluster checks every cluster operation between a Go node and a
// Node node (socket.io 4.8 + @socket.io/redis-adapter 8.3), both ways.
func TestMixedCluster(t *testing.T) { testMixed(t, redisadapter.ModeClassic) }

// TestMixedSharded is TestMixedCluster with createShardedAdapter in its
// default dynamic mode: broadcasts to the room "both" go through the
// room's own channel. Node's sharded adapter has no allRooms, and the
// emitter no sharded mode.
func TestMixedSharded(t *testing.T) { testMixed(t, redisadapter.ModeSharded) }

// TestMixedStreams is TestMixedCluster with @socket.io/redis-streams-adapter
// 0.3.1 (recovery off: the clients see the packets as they are): the
// broadcasts and joins go through the stream, the requests through
// Pub/Sub. Its ClusterAdapter has no allRooms, and the emitter no streams
// mode.
func TestMixedStreams(t *testing.T) { testMixed(t, redisadapter.ModeStreams) }

func testMixed(t *testing.T, mode redisadapter.Mode) {
	m := newMixed(t, mode)
	t.Run("GoBroadcastBinaryToRoom", func(t *testing.T) {
		if err := m.goIO.To("both").Emit("hello", "from go", []byte{1, 2, 3}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []*client{m.goC, m.nC} {
			p := c.event(t, "hello")
			if got := string(p.Data); got != `["hello","from go",{"_placeholder":true,"num":0}]` || len(p.Attachments) != 1 || !bytes.Equal(p.Attachments[0], []byte{1, 2, 3}) {
				t.Fatalf("got %s %v", got, p.Attachments)
			}
		}
	})
	t.Run("NodeBroadcastBinaryToRoom", func(t *testing.T) {
		m.n.call(t, map[string]any{"cmd": "broadcast", "rooms": []string{"both"}, "event": "hi", "args": []any{map[string]any{"$bin": []int{9, 8}}, map[string]any{"n": 1.5}}}, nil)
		for _, c := range []*client{m.goC, m.nC} {
			p := c.event(t, "hi")
			if got := string(p.Data); got != `["hi",{"_placeholder":true,"num":0},{"n":1.5}]` || len(p.Attachments) != 1 || !bytes.Equal(p.Attachments[0], []byte{9, 8}) {
				t.Fatalf("got %s %v", got, p.Attachments)
			}
		}
	})
	t.Run("Except", func(t *testing.T) {
		// Go excludes the Node node's client, Node the Go node's; then a
		// marker to all shows what arrived first.
		_ = m.goIO.Except(m.nC.id).Emit("ex-go")
		m.n.call(t, map[string]any{"cmd": "broadcast", "except": []string{m.goC.id}, "event": "ex-node"}, nil)
		time.Sleep(200 * time.Millisecond)
		_ = m.goIO.Emit("marker")
		if got := m.goC.firstEvent(t); got != "ex-go" {
			t.Fatalf("Go client got %q first, want ex-go", got)
		}
		if got := m.goC.firstEvent(t); got != "marker" {
			t.Fatalf("Go client got %q, want marker (ex-node excluded it)", got)
		}
		if got := m.nC.firstEvent(t); got != "ex-node" {
			t.Fatalf("Node client got %q first, want ex-node", got)
		}
		if got := m.nC.firstEvent(t); got != "marker" {
			t.Fatalf("Node client got %q, want marker", got)
		}
	})
	t.Run("SocketsJoinFromOtherSide", func(t *testing.T) {
		m.n.call(t, map[string]any{"cmd": "socketsJoin", "rooms": []string{m.goC.id}, "join": "by-node"}, nil)
		m.goIO.In(m.nC.id).SocketsJoin("by-go")
		eventually(t, "joins", func() error { return m.haveRooms(map[string][]string{m.goC.id: {"by-node"}, m.nC.id: {"by-go"}}) })
		m.n.call(t, map[string]any{"cmd": "broadcast", "rooms": []string{"by-node"}, "event": "to-by-node"}, nil)
		_ = m.goIO.To("by-go").Emit("to-by-go")
		m.goC.event(t, "to-by-node")
		m.nC.event(t, "to-by-go")
		m.goIO.In(m.nC.id).SocketsLeave("by-go")
		eventually(t, "leave", func() error { return m.lacksRoom(m.nC.id, "by-go") })
	})
	t.Run("FetchSockets", func(t *testing.T) {
		for _, side := range []string{"go", "node"} {
			got := m.fetch(t, side)
			if len(got) != 2 {
				t.Fatalf("%s fetchSockets: %d sockets, want 2", side, len(got))
			}
			for _, s := range got {
				wantNode, wantName := "go", "gopher"
				if s.ID == m.nC.id {
					wantNode, wantName = "node", "noder"
				}
				if s.Data["node"] != wantNode || s.Data["name"] != wantName || !slices.Contains(s.Rooms, "both") || !slices.Contains(s.Rooms, s.ID) {
					t.Fatalf("%s fetchSockets: %+v", side, s)
				}
				if s.Handshake == nil || s.Handshake.Auth == nil {
					t.Fatalf("%s fetchSockets: no handshake in %+v", side, s)
				}
			}
		}
	})
	t.Run("ServerSideEmitWithAck", func(t *testing.T) {
		answers, err := m.goIO.ServerSideEmitWithAck(m.ctx, "ping-node", 1)
		if err != nil || len(answers) != 1 || string(answers[0]) != "2" {
			t.Fatalf("Go -> Node: %s, %v", answers, err)
		}
		var fromNode []int
		m.n.call(t, map[string]any{"cmd": "serverSideEmitWithAck", "event": "ping-go", "args": []any{1}}, &fromNode)
		if !slices.Equal(fromNode, []int{11}) {
			t.Fatalf("Node -> Go: %v", fromNode)
		}
	})
	t.Run("ServerSideEmitWithoutAck", func(t *testing.T) {
		if m.sharded {
			t.Skip("the emitter has no sharded mode")
		}
		got := make(chan string, 2)
		m.goIO.OnServerSideEmit("hello-go", func(s string) { got <- s })
		m.n.call(t, map[string]any{"cmd": "serverSideEmit", "event": "hello-go", "args": []any{"from node"}}, nil)
		m.n.call(t, map[string]any{"cmd": "emitterServerSideEmit", "event": "hello-go", "args": []any{"from emitter"}}, nil)
		// Handlers run on their own goroutines: the order may change.
		var all []string
		for range 2 {
			select {
			case s := <-got:
				all = append(all, s)
			case <-time.After(wait):
				t.Fatalf("server-side events: got only %v", all)
			}
		}
		slices.Sort(all)
		if !slices.Equal(all, []string{"from emitter", "from node"}) {
			t.Fatalf("server-side events %v", all)
		}
	})
	t.Run("BroadcastWithAckGo", func(t *testing.T) {
		done := make(chan []socketio.Args, 1)
		errc := make(chan error, 1)
		go func() {
			r, err := m.goIO.Timeout(5*time.Second).EmitWithAck(m.ctx, "ask", "q")
			done <- r
			errc <- err
		}()
		m.goC.ackNext(t, "ask", "go-answer")
		m.nC.ackNext(t, "ask", "node-answer")
		r, err := <-done, <-errc
		if err != nil || len(r) != 2 {
			t.Fatalf("EmitWithAck = %d answers, %v", len(r), err)
		}
		var answers []string
		for _, a := range r {
			var s string
			_ = a.Decode(0, &s)
			answers = append(answers, s)
		}
		slices.Sort(answers)
		if !slices.Equal(answers, []string{"go-answer", "node-answer"}) {
			t.Fatalf("answers %v", answers)
		}
	})
	t.Run("BroadcastWithAckNode", func(t *testing.T) {
		done := make(chan []string, 1)
		go func() {
			var r []string
			if err := m.n.try(map[string]any{"cmd": "emitWithAck", "event": "ask2", "timeout": 5000}, &r); err != nil {
				t.Errorf("emitWithAck: %v", err)
			}
			done <- r
		}()
		m.goC.ackNext(t, "ask2", "go-answer")
		m.nC.ackNext(t, "ask2", "node-answer")
		r := <-done
		slices.Sort(r)
		if !slices.Equal(r, []string{"go-answer", "node-answer"}) {
			t.Fatalf("Node emitWithAck answers %v", r)
		}
	})
	t.Run("AllRooms", func(t *testing.T) {
		if m.sharded {
			t.Skip("Node's sharded adapter has no allRooms")
		}
		goRooms, err := m.goIO.AllRooms(m.ctx)
		var nodeRooms []string
		m.n.call(t, map[string]any{"cmd": "allRooms"}, &nodeRooms)
		slices.Sort(nodeRooms)
		for _, rooms := range [][]string{goRooms, nodeRooms} {
			for _, want := range []string{"both", m.goC.id, m.nC.id} {
				if !slices.Contains(rooms, want) {
					t.Fatalf("allRooms %v (err %v) lacks %q", rooms, err, want)
				}
			}
		}
	})
	t.Run("Emitter", func(t *testing.T) {
		if m.sharded {
			t.Skip("the emitter has no sharded mode")
		}
		m.n.call(t, map[string]any{"cmd": "emitter", "rooms": []string{m.goC.id}, "event": "emitted", "args": []any{"x", map[string]any{"$bin": []int{7}}}}, nil)
		p := m.goC.event(t, "emitted")
		if string(p.Data) != `["emitted","x",{"_placeholder":true,"num":0}]` || !bytes.Equal(p.Attachments[0], []byte{7}) {
			t.Fatalf("got %s %v", p.Data, p.Attachments)
		}
		m.n.call(t, map[string]any{"cmd": "emitterJoin", "rooms": []string{m.goC.id}, "join": "by-emitter"}, nil)
		eventually(t, "emitter join", func() error { return m.haveRooms(map[string][]string{m.goC.id: {"by-emitter"}}) })
	})
	t.Run("DisconnectSockets", func(t *testing.T) {
		m.n.call(t, map[string]any{"cmd": "disconnectSockets", "rooms": []string{m.goC.id}}, nil)
		m.goIO.In(m.nC.id).DisconnectSockets(false)
		for _, c := range []*client{m.goC, m.nC} {
			if err := waitDisconnect(c); err != nil {
				t.Fatalf("client %s: %v", c.id, err)
			}
		}
	})
}

// remoteSocket is a fetchSockets result, from either side.
type remoteSocket struct {
	ID        string
	Rooms     []string
	Data      map[string]any
	Handshake *socketio.Handshake
}

func (m *mixed) fetch(t testing.TB, side string) []remoteSocket {
	t.Helper()
	out, err := m.fetchErr(side)
	if err != nil {
		t.Fatalf("%s fetchSockets: %v", side, err)
	}
	return out
}

func (m *mixed) fetchErr(side string) ([]remoteSocket, error) {
	var out []remoteSocket
	if side == "node" {
		var raw []struct {
			ID        string          `json:"id"`
			Rooms     []string        `json:"rooms"`
			Data      map[string]any  `json:"data"`
			Handshake json.RawMessage `json:"handshake"`
		}
		if err := m.n.try(map[string]any{"cmd": "fetchSockets"}, &raw); err != nil {
			return nil, err
		}
		for _, s := range raw {
			var h socketio.Handshake
			if err := json.Unmarshal(s.Handshake, &h); err != nil {
				return nil, fmt.Errorf("handshake %s: %w", s.Handshake, err)
			}
			out = append(out, remoteSocket{s.ID, s.Rooms, s.Data, &h})
		}
		return out, nil
	}
	sockets, err := m.goIO.FetchSockets(m.ctx)
	for _, s := range sockets {
		data, _ := s.Data.(map[string]any)
		out = append(out, remoteSocket{s.ID, s.Rooms, data, s.Handshake})
	}
	return out, err
}

// haveRooms checks, from both sides, that each socket is in its rooms.
func (m *mixed) haveRooms(want map[string][]string) error {
	for _, side := range []string{"go", "node"} {
		got := map[string][]string{}
		sockets, err := m.fetchErr(side)
		if err != nil {
			return err
		}
		for _, s := range sockets {
			got[s.ID] = s.Rooms
		}
		for id, rooms := range want {
			for _, r := range rooms {
				if !slices.Contains(got[id], r) {
					return fmt.Errorf("%s side: socket %s rooms %v lack %q", side, id, got[id], r)
				}
			}
		}
	}
	return nil
}

func (m *mixed) lacksRoom(id, room string) error {
	sockets, err := m.fetchErr("go")
	if err != nil {
		return err
	}
	for _, s := range sockets {
		if s.ID == id && slices.Contains(s.Rooms, room) {
			return fmt.Errorf("socket %s still in %q", id, room)
		}
	}
	return nil
}

// waitDisconnect reads until the server sends DISCONNECT for "/".
func waitDisconnect(c *client) error {
	deadline := time.Now().Add(wait)
	for {
		p, err := c.Next(time.Until(deadline))
		if err != nil {
			return err
		}
		if p.Type == 1 && strings.TrimSpace(p.Namespace) == "/" {
			return nil
		}
	}
}
