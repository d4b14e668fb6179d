package adapter

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/duplexio/duplex/parser"
)

// recorder is a ClusterObserver that keeps what it is told.
type recorder struct {
	mu       sync.Mutex
	requests []string
	fails    int
}

func (r *recorder) Requested(what string, err error) {
	outcome := "ok"
	switch {
	case errors.Is(err, ErrTimeout):
		outcome = "timeout"
	case err != nil:
		outcome = "error"
	}
	r.mu.Lock()
	r.requests = append(r.requests, what+" "+outcome)
	r.mu.Unlock()
}

func (*recorder) BrokerDown(string) {}
func (*recorder) BrokerUp(string)   {}

func (r *recorder) PublishFailed() {
	r.mu.Lock()
	r.fails++
	r.mu.Unlock()
}

// TestClusterObserverRequests: each request to other nodes is told once
// with its outcome; none while the node is alone.
func TestClusterObserverRequests(t *testing.T) {
	t.Parallel()
	h := newHub()
	rec := &recorder{}
	var nodes []*Cluster
	for i := range 2 {
		ns := &clusterNS{fakeNS: &fakeNS{info: map[SocketID]SocketInfo{}}}
		o := &ClusterOptions{RequestTimeout: 100 * time.Millisecond}
		if i == 0 {
			o.Observer = rec
		}
		c := NewCluster(ns, h.open, o)
		t.Cleanup(func() { _ = c.Close() })
		nodes = append(nodes, c)
	}
	if _, err := nodes[0].AllRooms(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	h.dead[nodes[1].UID()] = true
	h.mu.Unlock()
	if _, err := nodes[0].FetchSockets(context.Background(), &BroadcastOptions{}); !errors.Is(err, ErrTimeout) {
		t.Fatalf("FetchSockets: %v, want ErrTimeout", err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if want := []string{"allRooms ok", "fetchSockets timeout"}; !slices.Equal(rec.requests, want) {
		t.Errorf("requests %q, want %q", rec.requests, want)
	}
}

// failingTransport counts two nodes and refuses every message.
type failingTransport struct{}

var errBrokerDown = errors.New("broker down")

func (failingTransport) Publish(context.Context, *Message) error { return errBrokerDown }
func (failingTransport) PublishResponse(context.Context, string, *Message) error {
	return errBrokerDown
}
func (failingTransport) ServerCount(context.Context) (int, error) { return 2, nil }
func (failingTransport) Close() error                             { return nil }

// TestClusterObserverBrokerFailures: a refused broadcast is a failed
// publish; a refused request is a request with an error.
func TestClusterObserverBrokerFailures(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	ns := &clusterNS{fakeNS: &fakeNS{info: map[SocketID]SocketInfo{}}}
	c := NewCluster(ns, func(string, string, func(*Message)) Transport { return failingTransport{} }, &ClusterOptions{Observer: rec})
	t.Cleanup(func() { _ = c.Close() })
	c.Broadcast(&parser.Packet{Type: parser.Event, Data: []byte(`["x"]`)}, &BroadcastOptions{})
	if _, err := c.AllRooms(context.Background()); !errors.Is(err, errBrokerDown) {
		t.Fatalf("AllRooms: %v, want the broker's error", err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.fails != 1 || !slices.Equal(rec.requests, []string{"allRooms error"}) {
		t.Errorf("fails %d, requests %q; want 1 and [allRooms error]", rec.fails, rec.requests)
	}
}
