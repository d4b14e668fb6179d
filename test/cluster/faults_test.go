package cluster

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/adapter/redisadapter"
)

// TestGoNodesWithHungNode: two Go nodes and a third subscriber that counts
// as a node but never answers (a node that hangs or dies mid-request).
// FetchSockets returns both live nodes' sockets after the request timeout,
// with an error wrapping adapter.ErrTimeout; broadcasts are unaffected.
func TestGoNodesWithHungNode(t *testing.T) {
	t.Parallel()
	url := redisURL(t)
	key := uniqueKey(t)
	a, b := startGoNode(t, url, key, redisadapter.ModeClassic), startGoNode(t, url, key, redisadapter.ModeClassic)
	waitServers(t, a, 2)
	ca, cb := connectClient(t, a.url, "a"), connectClient(t, b.url, "b")

	if err := a.io.Of("/").Emit("hello"); err != nil {
		t.Fatal(err)
	}
	ca.event(t, "hello")
	cb.event(t, "hello")

	hung, err := redisadapter.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	ps := hung.Subscribe(context.Background(), key+"-request#/#")
	t.Cleanup(func() { _ = ps.Close(); _ = hung.Close() })
	if _, err := ps.Receive(context.Background()); err != nil { // the subscribe confirmation
		t.Fatal(err)
	}
	waitServers(t, a, 3)

	start := time.Now()
	sockets, err := a.io.Of("/").FetchSockets(context.Background())
	if !errors.Is(err, adapter.ErrTimeout) || len(sockets) != 2 {
		t.Fatalf("FetchSockets = %d sockets, %v; want 2 and ErrTimeout", len(sockets), err)
	}
	if d := time.Since(start); d < 2*time.Second || d > 6*time.Second {
		t.Fatalf("FetchSockets took %v, want the 3 s request timeout", d)
	}
	t.Logf("FetchSockets error: %v", err)
}
