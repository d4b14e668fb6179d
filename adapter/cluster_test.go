package adapter

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/duplexio/duplex/parser"
)

// hub is an in-process broker: every node's transport delivers straight
// into the others' adapters. A node marked dead receives nothing.
type hub struct {
	mu    sync.Mutex
	nodes map[string]func(*Message)
	dead  map[string]bool
}

func newHub() *hub { return &hub{nodes: map[string]func(*Message){}, dead: map[string]bool{}} }

type hubTransport struct {
	h   *hub
	uid string
}

func (h *hub) open(_, uid string, deliver func(*Message)) Transport {
	h.mu.Lock()
	h.nodes[uid] = deliver
	h.mu.Unlock()
	return &hubTransport{h: h, uid: uid}
}

func (h *hub) targets(only string) []func(*Message) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []func(*Message)
	for uid, d := range h.nodes {
		if !h.dead[uid] && (only == "" || uid == only) {
			out = append(out, d)
		}
	}
	return out
}

func (t *hubTransport) Publish(_ context.Context, m *Message) error {
	for _, d := range t.h.targets("") {
		d(m)
	}
	return nil
}

func (t *hubTransport) PublishResponse(_ context.Context, uid string, m *Message) error {
	for _, d := range t.h.targets(uid) {
		d(m)
	}
	return nil
}

func (t *hubTransport) ServerCount(context.Context) (int, error) {
	t.h.mu.Lock()
	defer t.h.mu.Unlock()
	return len(t.h.nodes), nil
}

func (t *hubTransport) Close() error {
	t.h.mu.Lock()
	delete(t.h.nodes, t.uid)
	t.h.mu.Unlock()
	return nil
}

// clusterNS is a fakeNS that also serves server-side events.
type clusterNS struct {
	*fakeNS
	ids atomicCounter
}

type atomicCounter struct {
	mu sync.Mutex
	n  uint64
}

func (c *clusterNS) ServerSideEmitReceived(p *parser.Packet, ack func(json.RawMessage)) {
	if ack != nil {
		ack(json.RawMessage(`"pong"`))
	}
}

func (c *clusterNS) NextAckID() uint64 {
	c.ids.mu.Lock()
	defer c.ids.mu.Unlock()
	c.ids.n++
	return c.ids.n
}

func (c *clusterNS) ForgetAck(uint64) {}

// newTestCluster returns n nodes on one hub; node i has socket "s<i>" in
// room "r<i>" and in room "all".
func newTestCluster(t *testing.T, n int, timeout time.Duration) (*hub, []*Cluster, []*clusterNS) {
	h := newHub()
	var nodes []*Cluster
	var nss []*clusterNS
	for i := range n {
		ns := &clusterNS{fakeNS: &fakeNS{info: map[SocketID]SocketInfo{}}}
		id := "s" + string(rune('0'+i))
		ns.info[id] = SocketInfo{ID: id, Rooms: []Room{id, "all"}}
		c := NewCluster(ns, h.open, &ClusterOptions{RequestTimeout: timeout})
		c.AddAll(id, []Room{id, "r" + string(rune('0'+i)), "all"})
		t.Cleanup(func() { _ = c.Close() })
		nodes, nss = append(nodes, c), append(nss, ns)
	}
	return h, nodes, nss
}

func TestClusterBroadcast(t *testing.T) {
	t.Parallel()
	_, nodes, nss := newTestCluster(t, 3, time.Second)
	p := &parser.Packet{Type: parser.Event, Data: json.RawMessage(`["x"]`)}
	nodes[0].Broadcast(p, &BroadcastOptions{Rooms: []Room{"all"}, Except: []Room{"r1"}})
	for i, want := range [][]SocketID{{"s0"}, nil, {"s2"}} {
		var got []SocketID
		for _, c := range nss[i].takeCalls() {
			got = append(got, c.ids...)
		}
		if !slices.Equal(got, want) {
			t.Errorf("node %d delivered to %v, want %v", i, got, want)
		}
	}
	nodes[0].Broadcast(p, &BroadcastOptions{Flags: BroadcastFlags{Local: true}})
	if calls := nss[1].takeCalls(); len(calls) != 0 {
		t.Errorf("a local broadcast reached another node: %v", calls)
	}
}

func TestClusterFetchSocketsAndRooms(t *testing.T) {
	t.Parallel()
	_, nodes, _ := newTestCluster(t, 3, time.Second)
	got, err := nodes[1].FetchSockets(context.Background(), &BroadcastOptions{Rooms: []Room{"all"}})
	if err != nil || len(got) != 3 {
		t.Fatalf("FetchSockets = %v, %v; want 3 sockets", got, err)
	}
	rooms, err := nodes[0].AllRooms(context.Background())
	want := []Room{"all", "r0", "r1", "r2", "s0", "s1", "s2"}
	if err != nil || !slices.Equal(rooms, want) {
		t.Fatalf("AllRooms = %v, %v; want %v", rooms, err, want)
	}
}

func TestClusterRequestTimeoutKeepsPartialResults(t *testing.T) {
	t.Parallel()
	h, nodes, _ := newTestCluster(t, 3, 100*time.Millisecond)
	h.mu.Lock()
	h.dead[nodes[2].UID()] = true // counted by ServerCount, never answers
	h.mu.Unlock()
	start := time.Now()
	got, err := nodes[0].FetchSockets(context.Background(), &BroadcastOptions{})
	if !errors.Is(err, ErrTimeout) || len(got) != 2 {
		t.Fatalf("FetchSockets = %d sockets, %v; want 2 and ErrTimeout", len(got), err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("took %v", d)
	}
	answers, err := nodes[0].ServerSideEmit(context.Background(), &parser.Packet{Data: json.RawMessage(`["ping"]`)}, true)
	if !errors.Is(err, ErrTimeout) || len(answers) != 1 || string(answers[0]) != `"pong"` {
		t.Fatalf("ServerSideEmit = %s, %v", answers, err)
	}
}

func TestClusterRoomOperations(t *testing.T) {
	t.Parallel()
	_, nodes, nss := newTestCluster(t, 2, time.Second)
	nodes[0].AddSockets(&BroadcastOptions{Rooms: []Room{"all"}}, []Room{"new"})
	if !slices.Contains(nodes[1].SocketRooms("s1"), "new") || !slices.Contains(nodes[0].SocketRooms("s0"), "new") {
		t.Fatal("AddSockets did not reach both nodes")
	}
	nodes[1].DelSockets(&BroadcastOptions{}, []Room{"new"})
	if slices.Contains(nodes[0].SocketRooms("s0"), "new") {
		t.Fatal("DelSockets did not reach the other node")
	}
	nodes[0].DisconnectSockets(&BroadcastOptions{Rooms: []Room{"s1"}}, true)
	calls := nss[1].takeCalls()
	if len(calls) != 1 || calls[0].method != "Disconnect" || !calls[0].close {
		t.Fatalf("node 1 calls %+v", calls)
	}
}

func TestClusterBroadcastWithAck(t *testing.T) {
	t.Parallel()
	_, nodes, _ := newTestCluster(t, 3, time.Second)
	var mu sync.Mutex
	counts, acks := 0, 0
	p := &parser.Packet{Type: parser.Event, Data: json.RawMessage(`["q"]`), ID: 7, HasID: true}
	nodes[0].BroadcastWithAck(p, &BroadcastOptions{}, func(n int) {
		mu.Lock()
		counts += n
		mu.Unlock()
	}, func(*parser.Packet) {
		mu.Lock()
		acks++
		mu.Unlock()
	})
	mu.Lock()
	defer mu.Unlock()
	if counts != 3 || acks != 3 { // fakeNS acknowledges at once
		t.Fatalf("client counts %d, acks %d; want 3 and 3", counts, acks)
	}
}
