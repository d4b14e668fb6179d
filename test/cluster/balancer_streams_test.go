package cluster

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/duplexio/duplex/adapter/redisadapter"
)

// TestBalancerStreamsRecovery is the point of the Redis Streams mode and
// the relay together: a node is killed under connected clients (its
// broker cut first: it saves nothing on its way out), broadcasts go out
// while they are away, and every client that lost its connection comes
// back through the round-robin balancer on a live node recovered, with
// its id, its room and each broadcast it missed, once and in order, then
// the later ones live.
func TestBalancerStreamsRecovery(t *testing.T) {
	t.Parallel()
	url := redisURL(t)
	nodes, lb := balanced(t, "redis-streams", url)
	const missed = 60 // over 3 s
	p := startClient(t, map[string]any{"scenario": "recover", "url": lb, "clients": 30, "missed": missed, "offsets": true})
	ready := p.next(t)
	if ready["ready"] != true {
		t.Fatalf("client: %v", ready)
	}
	victim, live := nodes[1], nodes[0]
	// The victim saves its sessions every relayKeepSessions: wait for
	// the room its clients joined to be in their saved sessions.
	for i, node := range ready["nodes"].([]any) {
		if node == victim.name {
			waitSessionRooms(t, url, victim.key, ready["pids"].([]any)[i].(string), "r")
		}
	}
	victim.kill()
	// Broadcasts while the clients come back: the first ones before any
	// can have reconnected (recovered from the stream), the later ones
	// across their recoveries (where the restore hands over to live
	// delivery: no gap, no duplicate).
	done := make(chan struct{})
	go func() {
		defer close(done)
		for k := 1; k <= missed; k++ {
			if k%2 == 0 {
				_ = live.io.To("r").Emit("m", k)
			} else {
				_ = live.io.Emit("m", k)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	p.send(t, victim.name)
	res := p.next(t)
	<-done
	t.Logf("after the kill: %v", res)
	if res["ok"] != true {
		t.Fatalf("after the kill: %v", res)
	}
}

// waitSessionRooms waits until the session pid saved in Redis under the
// cluster key has room among its rooms.
func waitSessionRooms(t testing.TB, url, key, pid, room string) {
	t.Helper()
	rc, err := redisadapter.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	eventually(t, "session saved with its room", func() error {
		v, err := rc.Get(context.Background(), key+":session:"+pid).Result()
		if err != nil {
			return err
		}
		raw, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return err
		}
		var s struct {
			Rooms []string `msgpack:"rooms"`
		}
		if err := msgpack.Unmarshal(raw, &s); err != nil {
			return err
		}
		if !slices.Contains(s.Rooms, room) {
			return fmt.Errorf("session %s: rooms %v", pid, s.Rooms)
		}
		return nil
	})
}
