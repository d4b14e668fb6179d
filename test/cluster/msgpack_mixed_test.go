package cluster

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"

	"github.com/duplexio/duplex/adapter/redisadapter"
)

// nodeBin is a binary as node_server.mjs writes it in JSON.
func nodeBin(b ...byte) map[string]any {
	v := make([]any, len(b))
	for i, x := range b {
		v[i] = float64(x)
	}
	return map[string]any{"$bin": v}
}

// TestMsgpackMixedCluster: a Go node with the msgpack parser and a Node
// node on the classic Redis adapter, the Node node with
// socket.io-msgpack-parser and, separately, with the default JSON parser
// (the nodes' wire does not depend on the parsers: each node encodes for
// its own clients): broadcasts with nested values and binaries reach the
// other node's clients, a Go client on the Go node and an official client
// on the Node node.
func TestMsgpackMixedCluster(t *testing.T) {
	t.Parallel()
	for _, nodeParser := range []string{"msgpack", "json"} {
		t.Run("node-parser="+nodeParser, func(t *testing.T) {
			t.Parallel()
			testMsgpackMixedCluster(t, nodeParser)
		})
	}
}

func testMsgpackMixedCluster(t *testing.T, nodeParser string) {
	url, key := redisURL(t), uniqueKey(t)
	g := startMsgpackRedisNode(t, url, key, redisadapter.ModeClassic)
	n := startNodeNode(t, url, key, redisadapter.ModeClassic, "PARSER="+nodeParser)
	waitServers(t, g, 2)
	cg := dialMsgpack(t, g.url, "cg", nil)
	n.call(t, map[string]any{"cmd": "clientConnect", "url": n.url, "name": "cn"}, nil)

	n.call(t, map[string]any{"cmd": "broadcast", "event": "from-node", "args": []any{mpNested, nodeBin(1, 2)}}, nil)
	if got := cg.next(t, "from-node"); len(got) != 2 || !reflect.DeepEqual(got[0], mpNested) || !bytes.Equal(asBytes(got[1]), []byte{1, 2}) {
		t.Errorf("Go client got %#v from the Node node", got)
	}
	if err := g.io.Of("/").Emit("from-go", mpNested, []byte{3, 4}); err != nil {
		t.Fatal(err)
	}
	// cn got from-node too (its own node's broadcast); from-go comes second.
	waitEvents(t, n, "cn", 2)
	want := []any{"from-go", mpNested, nodeBin(3, 4)}
	if got := n.clientState(t, "cn").Events; len(got) != 2 || !reflect.DeepEqual(got[1], want) {
		t.Errorf("official client got %#v\nwant from-node, then %#v", got, want)
	}
	// A broadcast with an ack from the Node node to the Go client: the
	// answer's binary comes back through Redis (JSON.stringify writes a
	// nested Buffer as {type: "Buffer", data}).
	var answers []map[string]any
	n.call(t, map[string]any{"cmd": "emitWithAck", "event": "question", "rooms": []string{cg.s.ID()},
		"timeout": 5000, "args": []any{nodeBin(5)}}, &answers)
	wantAnswer := map[string]any{"name": "cg", "echo": map[string]any{"type": "Buffer", "data": []any{5.0, 9.0}}}
	if len(answers) != 1 || !reflect.DeepEqual(answers[0], wantAnswer) {
		t.Errorf("Node emitWithAck answers %#v, want %#v", answers, wantAnswer)
	}
	n.call(t, map[string]any{"cmd": "clientClose", "name": "cn"}, nil)
}

// TestMsgpackMixedStreamsRecovery: an official client with
// socket.io-msgpack-parser, cut from a Node node, recovers on a Go node,
// and one cut from a Go node on a Node node (streams adapter, both nodes
// with the msgpack parser): same id, the missed broadcasts with their
// nested values and binaries, offsets last, in stream order.
func TestMsgpackMixedStreamsRecovery(t *testing.T) {
	t.Parallel()
	url, key := redisURL(t), uniqueKey(t)
	g := startMsgpackRedisNode(t, url, key, redisadapter.ModeStreams)
	n := startNodeNode(t, url, key, redisadapter.ModeStreams, "RECOVERY=1", "PARSER=msgpack")
	waitServers(t, g, 2)
	for _, dir := range []struct{ name, from, to string }{{"node to go", n.url, g.url}, {"go to node", g.url, n.url}} {
		t.Run(dir.name, func(t *testing.T) {
			name := "mp-" + dir.name[:2]
			room := "r-" + name
			p := startProxy(t, dir.from)
			var id string
			n.call(t, map[string]any{"cmd": "clientConnect", "url": p.url(), "name": name, "reconnectionDelay": 1500}, &id)
			n.call(t, map[string]any{"cmd": "clientEmit", "name": name, "event": "join", "args": []any{room}}, nil)
			waitInRoom(t, g, id, room)
			_ = g.io.Of("/").To(room).Emit("m", 1)
			waitEvents(t, n, name, 1)
			p.cut(t, dir.to)
			waitSession(t, url, key, n.clientState(t, name).PID)
			_ = g.io.Of("/").To(room).Emit("m", 2, mpNested, []byte{7, 8})
			n.call(t, map[string]any{"cmd": "broadcast", "event": "m", "rooms": []string{room}, "args": []any{3, nodeBin(9)}}, nil)
			n.call(t, map[string]any{"cmd": "broadcast", "event": "m", "rooms": []string{"elsewhere"}, "args": []any{98}}, nil)
			s := waitReconnected(t, n, name)
			if !s.Recovered || s.ID != id {
				t.Fatalf("after the cut: id %s recovered %v, want %s recovered", s.ID, s.Recovered, id)
			}
			waitEvents(t, n, name, 3)
			checkMissed(t, n.clientState(t, name).Events)
			n.call(t, map[string]any{"cmd": "clientClose", "name": name}, nil)
		})
	}
}

// waitReconnected waits until the official client name connected again.
func waitReconnected(t testing.TB, n *nodeNode, name string) clientState {
	t.Helper()
	var s clientState
	eventually(t, "reconnected", func() error {
		s = n.clientState(t, name)
		if s.Connects < 2 || !s.Connected {
			return fmt.Errorf("not reconnected: %+v", s)
		}
		return nil
	})
	return s
}

// checkMissed checks the events of TestMsgpackMixedStreamsRecovery: 1,
// then 2 (nested value, binary) and 3 (binary) in the stream's order, each
// with its offset last.
func checkMissed(t testing.TB, events [][]any) {
	t.Helper()
	if len(events) != 3 {
		t.Fatalf("events %#v: want 3", events)
	}
	var offsets []string
	byFirst := map[any][]any{}
	for _, e := range events {
		off, _ := e[len(e)-1].(string)
		offsets = append(offsets, off)
		byFirst[e[1]] = e[:len(e)-1]
	}
	want := map[any][]any{
		1.0: {"m", 1.0},
		2.0: {"m", 2.0, mpNested, nodeBin(7, 8)},
		3.0: {"m", 3.0, nodeBin(9)},
	}
	if !reflect.DeepEqual(byFirst, want) || events[0][1] != 1.0 {
		t.Errorf("events %#v\nwant 1, then %#v and %#v", events, want[2.0], want[3.0])
	}
	for i := 1; i < len(offsets); i++ {
		if compareOffsets(offsets[i-1], offsets[i]) >= 0 {
			t.Errorf("offsets %v: not in stream order", offsets)
		}
	}
}
