package cluster

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/adapter/natsadapter"
	"github.com/duplexio/duplex/adapter/redisadapter"
	sioclient "github.com/duplexio/duplex/client"
	"github.com/duplexio/duplex/socketio"
)

// The cluster adapters carry packets between nodes in the Node adapters'
// format, whatever the parser the clients speak: these tests run Go nodes
// with the msgpack parser and Go clients speaking it, and check that
// nested values and binaries survive the trip through the broker both
// ways (broadcasts out, acks back).

// mpNested is a nested value as it decodes on the client: numbers float64.
var mpNested = map[string]any{"n": 1.0, "f": 1.5, "s": "héllo", "list": []any{"two", []any{3.0}, nil}, "yes": true}

// startMsgpackRedisNode starts a Go node with the msgpack parser on Redis
// in mode; in streams mode with connection state recovery.
func startMsgpackRedisNode(t testing.TB, url, key string, mode redisadapter.Mode) *goNode {
	t.Helper()
	rc, err := redisadapter.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	o := &redisadapter.Options{Key: key, Mode: mode, RequestTimeout: 3 * time.Second}
	so := &socketio.Options{Parser: socketio.ParserMsgpack}
	if mode == redisadapter.ModeStreams {
		o = streamsOptions(key)
		so.ConnectionStateRecovery = &socketio.RecoveryOptions{MaxDisconnectionDuration: recoveryWindow}
	}
	o.Logger = testLogger(t)
	b := redisadapter.New(rc, o)
	so.Adapter = b.Adapter
	g := serveGoNodeWith(t, so, b.Close, rc.Close)
	g.broker = b
	return g
}

// startMsgpackNATSNode starts a Go node with the msgpack parser on NATS.
func startMsgpackNATSNode(t testing.TB, url, prefix string) *goNode {
	t.Helper()
	nc, err := natsadapter.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	b := natsadapter.New(nc, &natsadapter.Options{Prefix: prefix, RequestTimeout: 3 * time.Second,
		HeartbeatInterval: time.Second, Logger: testLogger(t)})
	return serveGoNodeWith(t, &socketio.Options{Adapter: b.Adapter, Parser: socketio.ParserMsgpack},
		b.Close, func() error { nc.Close(); return nil })
}

// TestMsgpackCluster runs the cluster operations between two Go nodes
// with the msgpack parser, on Redis in each mode and on NATS.
func TestMsgpackCluster(t *testing.T) {
	t.Parallel()
	for _, mode := range []redisadapter.Mode{redisadapter.ModeClassic, redisadapter.ModeSharded, redisadapter.ModeStreams} {
		t.Run("redis-"+string(mode), func(t *testing.T) {
			t.Parallel()
			url, key := redisURL(t), uniqueKey(t)
			testMsgpackCluster(t, startMsgpackRedisNode(t, url, key, mode), startMsgpackRedisNode(t, url, key, mode))
		})
	}
	t.Run("nats", func(t *testing.T) {
		t.Parallel()
		url, prefix := natsURL(t), "duplex-test."+adapter.RandomID(6)
		testMsgpackCluster(t, startMsgpackNATSNode(t, url, prefix), startMsgpackNATSNode(t, url, prefix))
	})
}

func testMsgpackCluster(t *testing.T, a, b *goNode) {
	waitServers(t, a, 2)
	waitServers(t, b, 2)
	// cb polls: binaries then travel base64-encoded in the payloads.
	ca, cb := dialMsgpack(t, a.url, "ca", nil), dialMsgpack(t, b.url, "cb", &sioclient.Options{Transports: []string{sioclient.TransportPolling}})
	if err := ca.s.Emit("join", "r"); err != nil {
		t.Fatal(err)
	}
	waitInRoom(t, b, ca.s.ID(), "r")
	bin := []byte{0, 1, 255}

	// A room broadcast from the other node, with nested values and binaries.
	if err := b.io.Of("/").To("r").Emit("to-r", mpNested, bin, map[string]any{"inner": []any{bin}}); err != nil {
		t.Fatal(err)
	}
	want := []any{mpNested, bin, map[string]any{"inner": []any{bin}}}
	if got := ca.next(t, "to-r"); len(got) < 3 || !reflect.DeepEqual(got[:3], want) {
		t.Errorf("room broadcast across nodes: %#v\nwant %#v", got, want)
	}
	// Except: cb gets it, ca (in r) does not, before a marker.
	_ = a.io.Of("/").Except("r").Emit("not-r", bin)
	_ = a.io.Of("/").Emit("marker")
	if got := cb.next(t, "not-r"); len(got) < 1 || !bytes.Equal(asBytes(got[0]), bin) {
		t.Errorf("except broadcast: %#v", got)
	}
	if name := ca.nextName(t); name != "marker" {
		t.Errorf("ca got %q before the marker: except did not exclude it", name)
	}

	ss, err := a.io.Of("/").FetchSockets(context.Background())
	ids := func() []string {
		var ids []string
		for _, s := range ss {
			ids = append(ids, s.ID)
		}
		slices.Sort(ids)
		return ids
	}()
	wantIDs := []string{ca.s.ID(), cb.s.ID()}
	slices.Sort(wantIDs)
	if err != nil || !slices.Equal(ids, wantIDs) {
		t.Errorf("fetchSockets = %v, %v; want %v", ids, err, wantIDs)
	}

	acks, err := a.io.Of("/").ServerSideEmitWithAck(context.Background(), "ping-go", 1)
	if err != nil || len(acks) != 1 || string(acks[0]) != "11" {
		t.Errorf("serverSideEmitWithAck = %s, %v", acks, err)
	}

	testMsgpackBroadcastAck(t, a, bin)
}

// testMsgpackBroadcastAck: a broadcast with an ack from node a collects
// the answers of the clients of both nodes, binaries included.
func testMsgpackBroadcastAck(t *testing.T, a *goNode, bin []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	answers, err := a.io.Of("/").Timeout(wait).EmitWithAck(ctx, "question", bin)
	if err != nil || len(answers) != 2 {
		t.Fatalf("EmitWithAck = %d answers, %v; want 2", len(answers), err)
	}
	var names []string
	for _, ans := range answers {
		var got struct {
			Name string `json:"name"`
			Echo []byte `json:"echo"`
		}
		if err := ans.Decode(0, &got); err != nil || !bytes.Equal(got.Echo, append(slices.Clone(bin), 9)) {
			t.Errorf("answer %v: %+v, %v", ans, got, err)
		}
		names = append(names, got.Name)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"ca", "cb"}) {
		t.Errorf("answers from %v, want ca and cb", names)
	}
}

// mpClient is a Go client speaking the msgpack parser, its events on a
// channel in the order they came.
type mpClient struct {
	s  *sioclient.Socket
	ev chan mpEvent
}

type mpEvent struct {
	name string
	args []any
}

// dialMsgpack connects a Go client with the msgpack parser to url (over
// WebSocket unless o gives Transports) with auth {name}; it answers
// "question" with {name, echo: its binary argument and 9}. o, when not
// nil, is the base of its options.
func dialMsgpack(t testing.TB, url, name string, o *sioclient.Options) *mpClient {
	t.Helper()
	if o == nil {
		o = &sioclient.Options{}
	}
	o.Parser, o.Auth = sioclient.ParserMsgpack, map[string]string{"name": name}
	if o.Transports == nil {
		o.Transports = []string{sioclient.TransportWebSocket}
	}
	m, err := sioclient.NewManager(url, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	c := &mpClient{s: m.Socket("/", nil), ev: make(chan mpEvent, 64)}
	c.s.OnAny(func(event string, args sioclient.Args) {
		v, err := args.Values()
		if err != nil {
			v = []any{"decode error: " + err.Error()}
		}
		c.ev <- mpEvent{event, v}
	})
	c.s.On("question", func(b []byte, ack sioclient.AckFunc) {
		ack(map[string]any{"name": name, "echo": append(b, 9)})
	})
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := c.s.Connect(ctx); err != nil {
		t.Fatalf("connect %s to %s: %v", name, url, err)
	}
	return c
}

// next returns the arguments of the next event called name, skipping others.
func (c *mpClient) next(t testing.TB, name string) []any {
	t.Helper()
	for {
		if e := c.nextEvent(t); e.name == name {
			return e.args
		}
	}
}

// nextName returns the name of the next event.
func (c *mpClient) nextName(t testing.TB) string {
	t.Helper()
	return c.nextEvent(t).name
}

func (c *mpClient) nextEvent(t testing.TB) mpEvent {
	t.Helper()
	select {
	case e := <-c.ev:
		return e
	case <-time.After(wait):
		t.Fatalf("client %s: no event in %v", c.s.ID(), wait)
		return mpEvent{}
	}
}

// asBytes is v as a binary, or nil.
func asBytes(v any) []byte {
	b, _ := v.([]byte)
	return b
}

// TestMsgpackStreamsRecoveryAcrossNodes: a Go client speaking the msgpack
// parser, cut from one streams-mode node, recovers on the other with its
// id and the room broadcasts it missed (nested values, binaries, the offset
// last), restored from the stream.
func TestMsgpackStreamsRecoveryAcrossNodes(t *testing.T) {
	t.Parallel()
	url, key := redisURL(t), uniqueKey(t)
	a, b := startMsgpackRedisNode(t, url, key, redisadapter.ModeStreams), startMsgpackRedisNode(t, url, key, redisadapter.ModeStreams)
	waitServers(t, a, 2)
	p := startProxy(t, a.url)
	// Reconnection attempts go on, failing, while the proxy points at no
	// node; the test points it at b once the missed broadcasts are in the
	// stream.
	c := dialMsgpack(t, p.url(), "wanderer", &sioclient.Options{ReconnectionDelay: 100 * time.Millisecond,
		ReconnectionDelayMax: 200 * time.Millisecond, RandomizationFactor: -1})
	connects := make(chan struct{}, 4)
	c.s.OnConnect(func() { connects <- struct{}{} })
	if err := c.s.Emit("join", "r"); err != nil {
		t.Fatal(err)
	}
	waitInRoom(t, b, c.s.ID(), "r")
	_ = b.io.Of("/").To("r").Emit("m", "before")
	first := c.next(t, "m")
	id := c.s.ID()

	p.cut(t, "http://127.0.0.1:1") // nothing listens on port 1
	waitSessions(t, url, key, 1)
	observer := dialMsgpack(t, b.url, "observer", nil)
	if err := observer.s.Emit("join", "r"); err != nil {
		t.Fatal(err)
	}
	waitInRoom(t, a, observer.s.ID(), "r")
	bin := []byte{0, 1, 255}
	_ = a.io.Of("/").To("r").Emit("m", "missed", mpNested, bin, map[string]any{"inner": []any{bin}})
	_ = b.io.Of("/").To("elsewhere").Emit("m", "not for the wanderer")
	observer.next(t, "m") // the broadcast is in the stream
	p.cut(t, b.url)
	recvWithin(t, connects, "reconnection")

	if !c.s.Recovered() || c.s.ID() != id {
		t.Fatalf("Recovered %v, id %q (was %q)", c.s.Recovered(), c.s.ID(), id)
	}
	got := c.next(t, "m")
	want := []any{"missed", mpNested, bin, map[string]any{"inner": []any{bin}}}
	if len(got) != 5 || !reflect.DeepEqual(got[:4], want) {
		t.Fatalf("missed broadcast %#v\nwant %#v and an offset", got, want)
	}
	if off, ok := got[4].(string); !ok || !streamIDLess(first[1].(string), off) {
		t.Errorf("offset %#v after %v: want a later stream id", got[4], first[1])
	}
	_ = a.io.Of("/").To("r").Emit("m", "after")
	if after := c.next(t, "m"); after[0] != "after" {
		t.Errorf("after recovery got %v: a broadcast came twice or out of place", after)
	}
}

// waitSessions waits until n sessions of the cluster key are in Redis.
func waitSessions(t testing.TB, url, key string, n int) {
	t.Helper()
	rc, err := redisadapter.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	eventually(t, "sessions persisted", func() error {
		keys, err := rc.Keys(context.Background(), key+":session:*").Result()
		if err != nil || len(keys) != n {
			return fmt.Errorf("sessions %v, %v; want %d", keys, err, n)
		}
		return nil
	})
}

// recvWithin waits for a value on ch.
func recvWithin[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(wait):
		t.Fatalf("no %s in %v", what, wait)
		var zero T
		return zero
	}
}
