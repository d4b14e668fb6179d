package cluster

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/duplexio/duplex/adapter/redisadapter"
)

// clientState is an official client's state as node_server.mjs reports it.
type clientState struct {
	ID        string  `json:"id"`
	PID       string  `json:"pid"`
	Connected bool    `json:"connected"`
	Recovered bool    `json:"recovered"`
	Connects  int     `json:"connects"`
	Events    [][]any `json:"events"`
}

func (n *nodeNode) clientState(t testing.TB, name string) clientState {
	var s clientState
	n.call(t, map[string]any{"cmd": "clientState", "name": name}, &s)
	return s
}

// TestStreamsMixedRecovery: an official socket.io-client cut from a Node
// node recovers on a Go node, and one cut from a Go node recovers on a
// Node node: same id, rooms and data, the missed broadcasts in order.
func TestStreamsMixedRecovery(t *testing.T) {
	t.Parallel()
	url, key := redisURL(t), uniqueKey(t)
	g := startStreamsNode(t, url, key)
	n := startNodeNode(t, url, key, redisadapter.ModeStreams, "RECOVERY=1")
	waitServers(t, g, 2)
	for _, dir := range []struct {
		name     string
		from, to string
		fromGo   bool
	}{{"node to go", n.url, g.url, false}, {"go to node", g.url, n.url, true}} {
		t.Run(dir.name, func(t *testing.T) {
			name := "c-" + dir.name[:2]
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
			_ = g.io.Of("/").To(room).Emit("m", 2)
			n.call(t, map[string]any{"cmd": "broadcast", "event": "m", "args": []any{3}}, nil)
			n.call(t, map[string]any{"cmd": "broadcast", "event": "m", "rooms": []string{"elsewhere"}, "args": []any{98}}, nil)
			var s clientState
			eventually(t, "recovered", func() error {
				s = n.clientState(t, name)
				if s.Connects < 2 || !s.Connected {
					return fmt.Errorf("not reconnected: %+v", s)
				}
				return nil
			})
			if !s.Recovered || s.ID != id {
				t.Fatalf("after the cut: id %s recovered %v, want %s recovered", s.ID, s.Recovered, id)
			}
			waitEvents(t, n, name, 3)
			s = n.clientState(t, name)
			var got []any
			var offsets []string
			for _, e := range s.Events {
				got = append(got, e[1])
				offsets = append(offsets, e[len(e)-1].(string))
			}
			// 2 and 3 come from two nodes, each appending when it can:
			// their order is the stream's, which the offsets show.
			if len(got) != 3 || got[0] != 1.0 || !slices.Contains(got, 2.0) || !slices.Contains(got, 3.0) ||
				!slices.IsSortedFunc(offsets, compareOffsets) {
				t.Errorf("events %v, offsets %v; want 1, then 2 and 3, in stream order", got, offsets)
			}
			ss, err := g.io.Of("/").In(room).FetchSockets(context.Background())
			if err != nil || len(ss) != 1 || fmt.Sprint(ss[0].Data) != fmt.Sprintf("map[name:%s node:%s]", name, map[bool]string{true: "go", false: "node"}[dir.fromGo]) {
				t.Errorf("fetchSockets in %s: %d, %v", room, len(ss), err)
				for _, so := range ss {
					t.Logf("  %s %v %#v", so.ID, so.Rooms, so.Data)
				}
			}
			n.call(t, map[string]any{"cmd": "clientClose", "name": name}, nil)
		})
	}
}

// waitEvents waits until the official client name got n events.
func waitEvents(t testing.TB, n *nodeNode, name string, count int) {
	t.Helper()
	eventually(t, "events", func() error {
		if s := n.clientState(t, name); len(s.Events) < count {
			return fmt.Errorf("%d events: %v", len(s.Events), s.Events)
		}
		return nil
	})
}

// compareOffsets orders stream entry ids ("ms-seq").
func compareOffsets(a, b string) int {
	var am, as, bm, bs uint64
	_, _ = fmt.Sscanf(a, "%d-%d", &am, &as)
	_, _ = fmt.Sscanf(b, "%d-%d", &bm, &bs)
	return cmp.Or(cmp.Compare(am, bm), cmp.Compare(as, bs))
}
