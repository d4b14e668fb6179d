package relay

import (
	"context"

	"github.com/nats-io/nats.go"
	goredis "github.com/redis/go-redis/v9"
)

// Bus carries the relay's announcements between the nodes: every message
// published reaches every subscribed node, the publisher included or not.
// The cluster's broker does it: RedisBus, NATSBus.
type Bus interface {
	// Publish sends msg to the nodes.
	Publish(ctx context.Context, msg []byte) error
	// Subscribe calls handle with each message published from now on, one
	// at a time, until stop is called.
	Subscribe(handle func(msg []byte)) (stop func(), err error)
}

// RedisBus is a Bus on a Redis channel (PUBLISH/SUBSCRIBE, which a Redis
// Cluster forwards to every shard too), whatever the mode of the cluster's
// adapter.
func RedisBus(client goredis.UniversalClient, channel string) Bus {
	return &redisBus{client: client, channel: channel}
}

type redisBus struct {
	client  goredis.UniversalClient
	channel string
}

func (b *redisBus) Publish(ctx context.Context, msg []byte) error {
	return b.client.Publish(ctx, b.channel, msg).Err()
}

// Subscribe sends SUBSCRIBE at once; go-redis resubscribes after a
// reconnection by itself.
func (b *redisBus) Subscribe(handle func([]byte)) (func(), error) {
	ps := b.client.Subscribe(context.Background(), b.channel)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m := range ps.Channel() {
			handle([]byte(m.Payload))
		}
	}()
	return func() { _ = ps.Close(); <-done }, nil
}

// NATSBus is a Bus on a NATS subject (core NATS, no JetStream).
func NATSBus(nc *nats.Conn, subject string) Bus {
	return &natsBus{nc: nc, subject: subject}
}

type natsBus struct {
	nc      *nats.Conn
	subject string
}

func (b *natsBus) Publish(_ context.Context, msg []byte) error {
	return b.nc.Publish(b.subject, msg)
}

func (b *natsBus) Subscribe(handle func([]byte)) (func(), error) {
	sub, err := b.nc.Subscribe(b.subject, func(m *nats.Msg) { handle(m.Data) })
	if err != nil {
		return nil, err
	}
	_ = b.nc.Flush() // the subscription is in place before the first publish; a disconnected nc resubscribes later
	return func() { _ = sub.Unsubscribe() }, nil
}
