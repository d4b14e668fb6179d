package metrics_test

import (
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/adapter/natsadapter"
	"github.com/duplexio/duplex/adapter/redisadapter"
	"github.com/duplexio/duplex/internal/testservice"
	"github.com/duplexio/duplex/metrics"
	"github.com/duplexio/duplex/socketio"
)

// TestCollectorBrokerOutage stops the test's own broker under a cluster
// node and starts it again: the scrape shows the broker up, then down
// with one outage, then up again with the time it was down.
func TestCollectorBrokerOutage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, broker string
		buffers      bool // the driver keeps what is published while down
		start        func(testing.TB) *testservice.Server
		node         func(*testing.T, *testservice.Server, *metrics.Collector) adapter.Factory
	}{
		{"redis classic", adapter.BrokerRedis, false, testservice.StartRedis, redisNode(redisadapter.ModeClassic)},
		{"redis sharded", adapter.BrokerRedis, false, testservice.StartRedis, redisNode(redisadapter.ModeSharded)},
		{"nats", adapter.BrokerNATS, true, testservice.StartNATS, natsNode},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := tc.start(t)
			c := metrics.New()
			opts := &socketio.Options{Adapter: tc.node(t, srv, c)}
			c.Instrument(opts)
			io := socketio.NewServer(opts) // "/" subscribes to the broker
			t.Cleanup(func() { _ = io.Close() })

			state := func() (up, outages, down float64) {
				return value(t, c, "duplex_broker_up", tc.broker), value(t, c, "duplex_broker_outages_total", tc.broker),
					value(t, c, "duplex_broker_down_seconds_total", tc.broker)
			}
			eventually(t, "the broker up", func() bool { up, _, _ := state(); return up == 1 })
			if _, outages, down := state(); outages != 0 || down != 0 {
				t.Fatalf("before the outage: %v outages, %v s down", outages, down)
			}
			if err := srv.Stop(); err != nil {
				t.Fatal(err)
			}
			eventually(t, "the outage", func() bool { up, outages, _ := state(); return up == 0 && outages == 1 })
			time.Sleep(50 * time.Millisecond) // some time down, whatever the scheduler does
			// A broadcast meanwhile reaches no other node: Redis's is
			// lost, and counted; nats.go keeps NATS's until it reconnects.
			if err := io.Emit("tick"); err != nil {
				t.Fatal(err)
			}
			fails := func() float64 { return value(t, c, "duplex_adapter_publish_failures_total") }
			if !tc.buffers {
				eventually(t, "the failed publish", func() bool { return fails() >= 1 })
			}
			_, _, during := state()
			if err := srv.Restart(); err != nil {
				t.Fatal(err)
			}
			eventually(t, "the broker back", func() bool { up, _, _ := state(); return up == 1 })
			_, outages, down := state()
			if outages != 1 || down < 0.05 || down < during {
				t.Errorf("after the outage: %v outages, %v s down (%v s while down); want 1 and at least 0.05 s", outages, down, during)
			}
			if _, _, later := state(); later != down {
				t.Errorf("the time down still grows once up: %v then %v", down, later)
			}
			if tc.buffers && fails() != 0 {
				t.Errorf("%v publish failures, want 0: the driver buffers", fails())
			}
		})
	}
}

func redisNode(mode redisadapter.Mode) func(*testing.T, *testservice.Server, *metrics.Collector) adapter.Factory {
	return func(t *testing.T, srv *testservice.Server, c *metrics.Collector) adapter.Factory {
		client := goredis.NewClient(&goredis.Options{Addr: srv.Addr(), MaxRetries: -1, DialTimeout: time.Second})
		b := redisadapter.New(client, &redisadapter.Options{Mode: mode, Observer: c})
		t.Cleanup(func() { _ = b.Close(); _ = client.Close() })
		return b.Adapter
	}
}

func natsNode(t *testing.T, srv *testservice.Server, c *metrics.Collector) adapter.Factory {
	nc, err := natsadapter.Dial(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	b := natsadapter.New(nc, &natsadapter.Options{Observer: c})
	t.Cleanup(func() { _ = b.Close(); nc.Close() })
	return b.Adapter
}
