package relay_test

import (
	"testing"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/adapter/natsadapter"
	"github.com/duplexio/duplex/adapter/redisadapter"
	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/internal/testservice"
	"github.com/duplexio/duplex/internal/testtime"
	"github.com/duplexio/duplex/relay"
)

// TestBrokers runs the relay's announcements over real brokers: the nodes
// find each other, forward a session's requests, and forget a node that
// says goodbye.
func TestBrokers(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		bus  func(t *testing.T) relay.Bus
	}{
		{"redis", func(t *testing.T) relay.Bus {
			client, err := redisadapter.Dial(testservice.SharedRedis(t).URL())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = client.Close() })
			return relay.RedisBus(client, "relay-test-"+adapter.RandomID(6))
		}},
		{"nats", func(t *testing.T) relay.Bus {
			nc, err := natsadapter.Dial(testservice.SharedNATS(t).URL())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(nc.Close)
			return relay.NATSBus(nc, "relay-test-"+adapter.RandomID(6))
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			bus := tt.bus(t)
			a := startNode(t, bus, engineio.Options{})
			b := startNode(t, bus, engineio.Options{})
			testtime.Until(t, "the nodes know each other", func() bool {
				return b.relay.Peers()[a.relay.NodeID()] == a.ts.Listener.Addr().String() && len(a.relay.Peers()) == 1
			})
			sid := handshake(t, a.ts.URL)
			post(t, b.ts.URL, sid, "4hello")
			if resp, body := get(t, b.ts.URL, sid, nil); resp.StatusCode != 200 || body != "4hello" {
				t.Fatalf("forwarded poll: %d %q", resp.StatusCode, body)
			}
			a.stop()
			_ = a.relay.Close()
			testtime.Until(t, "the node that left is forgotten", func() bool { return len(b.relay.Peers()) == 0 })
		})
	}
}
