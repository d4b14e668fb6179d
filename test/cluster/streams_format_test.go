package cluster

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	goredis "github.com/redis/go-redis/v9"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/duplexio/duplex/adapter/redisadapter"
)

// TestStreamsEntryFormat: the stream entries a Go node writes are those
// Node's RedisStreamsAdapter writes for the same operations: the same
// fields in the same order and, uid aside, the same bytes (data in JSON,
// or base64 msgpack when binary).
func TestStreamsEntryFormat(t *testing.T) {
	t.Parallel()
	url, key := redisURL(t), uniqueKey(t)
	g := startGoNode(t, url, key, redisadapter.ModeStreams)
	n := startNodeNode(t, url, key, redisadapter.ModeStreams)
	waitServers(t, g, 2)
	rc, err := redisadapter.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	ops := []struct {
		name   string
		node   map[string]any
		goSide func()
	}{
		{"broadcast", map[string]any{"cmd": "broadcast", "rooms": []string{"r"}, "except": []string{"x"}, "event": "e", "args": []any{1, "s", map[string]any{"k": true}}},
			func() { _ = g.io.Of("/").To("r").Except("x").Emit("e", 1, "s", map[string]any{"k": true}) }},
		{"binary broadcast", map[string]any{"cmd": "broadcast", "event": "b", "args": []any{map[string]any{"$bin": []int{1, 2, 3}}}},
			func() { _ = g.io.Of("/").Emit("b", []byte{1, 2, 3}) }},
		{"socketsJoin", map[string]any{"cmd": "socketsJoin", "rooms": []string{"a"}, "join": "j"},
			func() { g.io.Of("/").In("a").SocketsJoin("j") }},
		{"socketsLeave", map[string]any{"cmd": "socketsLeave", "rooms": []string{"a"}, "leave": "j"},
			func() { g.io.Of("/").In("a").SocketsLeave("j") }},
		{"disconnectSockets", map[string]any{"cmd": "disconnectSockets", "rooms": []string{"a"}, "close": true},
			func() { g.io.Of("/").In("a").DisconnectSockets(true) }},
	}
	for _, op := range ops {
		n.call(t, op.node, nil)
		waitLen(t, rc, key, 1)
		op.goSide()
		waitLen(t, rc, key, 2)
		entries, err := rc.XRange(context.Background(), key, "-", "+").Result()
		if err != nil {
			t.Fatal(err)
		}
		fromNode, fromGo := entryFields(t, rc, key, entries[0].ID), entryFields(t, rc, key, entries[1].ID)
		t.Logf("%s:\n node %q\n go   %q", op.name, fromNode, fromGo)
		if len(fromNode) != 8 || len(fromGo) != 8 {
			t.Fatalf("%s: fields %q and %q", op.name, fromNode, fromGo)
		}
		for i := 0; i < 8; i += 2 {
			if fromNode[i] != fromGo[i] {
				t.Errorf("%s: field %d is %q, Node's %q", op.name, i/2, fromGo[i], fromNode[i])
			}
		}
		if fromNode[3] != fromGo[3] || fromNode[5] != fromGo[5] {
			t.Errorf("%s: nsp/type %q %q, Node's %q %q", op.name, fromGo[3], fromGo[5], fromNode[3], fromNode[5])
		}
		if fromNode[7] != fromGo[7] {
			t.Errorf("%s: data\n go   %s\n node %s", op.name, fromGo[7], fromNode[7])
			if a, b := entryData(t, fromNode[7]), entryData(t, fromGo[7]); !reflect.DeepEqual(a, b) {
				t.Errorf("%s: and not the same value:\n go   %#v\n node %#v", op.name, b, a)
			}
		}
		if _, err := rc.Del(context.Background(), key).Result(); err != nil {
			t.Fatal(err)
		}
	}
}

// entryFields reads an entry's fields in their order (go-redis's XRANGE
// answer is a map, which has none).
func entryFields(t *testing.T, rc *goredis.Client, key, id string) []string {
	t.Helper()
	v, err := rc.Do(context.Background(), "XRANGE", key, id, id).Slice()
	if err != nil || len(v) != 1 {
		t.Fatalf("XRANGE %s: %v %v", id, v, err)
	}
	var out []string
	for _, f := range v[0].([]any)[1].([]any) {
		out = append(out, f.(string))
	}
	return out
}

// entryData decodes a data field as Node's decode does, into comparable
// values (numbers as float64, as JSON has them).
func entryData(t *testing.T, s string) any {
	t.Helper()
	var v any
	if len(s) > 0 && s[0] == '{' {
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := msgpack.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	j, _ := json.Marshal(v) // same number types as the JSON path
	_ = json.Unmarshal(j, &v)
	return v
}

// waitLen waits until the stream key has n entries.
func waitLen(t *testing.T, rc *goredis.Client, key string, n int64) {
	t.Helper()
	eventually(t, "stream length", func() error {
		got, err := rc.XLen(context.Background(), key).Result()
		if err != nil || got != n {
			return fmt.Errorf("XLEN %s = %d, %v; want %d", key, got, err, n)
		}
		return nil
	})
}
