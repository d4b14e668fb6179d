package redisadapter

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/duplexio/duplex/adapter"
)

// subscriber receives the messages of the channels and patterns it
// registered with the bus.
type subscriber interface {
	onMessage(channel string, payload []byte)
}

// bus is the Redis side shared by the namespaces of one Adapter: one
// subscriber connection (so that PUBSUB NUMSUB counts this node once per
// channel), one receive loop, and one publisher with a bounded queue.
//
// While Redis is unreachable, the receive loop retries with backoff and
// go-redis resubscribes on reconnect; publishes fail fast or are dropped
// when the queue is full, so neither goroutines nor memory grow.
type bus struct {
	client  goredis.UniversalClient
	ps      *goredis.PubSub
	sharded bool
	log     *slog.Logger

	mu       sync.RWMutex
	channels map[string]subscriber
	patterns map[string]subscriber // by prefix: pattern minus its trailing '*'

	queue   chan outgoing
	dropped atomic.Int64
	state   connState // of the connection to Redis (bus_state.go)
	obs     adapter.ClusterObserver
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

type outgoing struct {
	channel string
	payload []byte
}

func newBus(client goredis.UniversalClient, sharded bool, queueSize int, log *slog.Logger, obs adapter.ClusterObserver) *bus {
	b := &bus{client: client, sharded: sharded, log: log, obs: obs,
		channels: map[string]subscriber{}, patterns: map[string]subscriber{},
		queue: make(chan outgoing, queueSize)}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	if sharded {
		b.ps = client.SSubscribe(b.ctx)
	} else {
		b.ps = client.Subscribe(b.ctx)
	}
	b.wg.Add(2)
	go b.receiveLoop()
	go b.publishLoop()
	return b
}

// subscribe registers s for the channels and the patterns (each ending in
// '*'). A failure is logged: the subscriptions are recorded and made again
// when the connection comes back.
func (b *bus) subscribe(s subscriber, channels, patterns []string) {
	b.mu.Lock()
	for _, c := range channels {
		b.channels[c] = s
	}
	for _, p := range patterns {
		b.patterns[strings.TrimSuffix(p, "*")] = s
	}
	b.mu.Unlock()
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	var err error
	if b.sharded {
		err = b.ps.SSubscribe(ctx, channels...)
	} else {
		err = b.ps.Subscribe(ctx, channels...)
		if len(patterns) > 0 && err == nil {
			err = b.ps.PSubscribe(ctx, patterns...)
		}
	}
	if err != nil {
		b.log.Warn("redis adapter: subscribe failed; retrying when Redis is back", "channels", channels, "err", err)
	}
}

// unsubscribe forgets the channels and patterns of a closed namespace.
func (b *bus) unsubscribe(channels, patterns []string) {
	b.mu.Lock()
	for _, c := range channels {
		delete(b.channels, c)
	}
	for _, p := range patterns {
		delete(b.patterns, strings.TrimSuffix(p, "*"))
	}
	b.mu.Unlock()
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
	defer cancel()
	if b.sharded {
		_ = b.ps.SUnsubscribe(ctx, channels...)
		return
	}
	_ = b.ps.Unsubscribe(ctx, channels...)
	if len(patterns) > 0 {
		_ = b.ps.PUnsubscribe(ctx, patterns...)
	}
}

// route finds the subscriber of a message.
func (b *bus) route(m *goredis.Message) subscriber {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if m.Pattern != "" {
		return b.patterns[strings.TrimSuffix(m.Pattern, "*")]
	}
	return b.channels[m.Channel]
}

// receiveLoop reads the subscriber connection until the bus closes. Errors
// back off from 100 ms to 5 s; an idle minute sends a PING, which notices a
// connection that died silently.
func (b *bus) receiveLoop() {
	defer b.wg.Done()
	backoff := time.Duration(0)
	for b.ctx.Err() == nil {
		msg, err := b.ps.ReceiveTimeout(b.ctx, time.Minute)
		if err != nil {
			if b.ctx.Err() != nil || errors.Is(err, goredis.ErrClosed) {
				return
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				_ = b.ps.Ping(b.ctx)
				continue
			}
			b.setDown(err)
			backoff = min(max(2*backoff, 100*time.Millisecond), 5*time.Second)
			b.sleep(backoff)
			continue
		}
		backoff = 0
		b.setUp()
		if m, ok := msg.(*goredis.Message); ok {
			if s := b.route(m); s != nil {
				s.onMessage(m.Channel, []byte(m.Payload))
			}
		}
	}
}

func (b *bus) sleep(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-b.ctx.Done():
	}
}

// publish queues payload for channel. It never blocks: when the queue is
// full (Redis slow or down) the message is dropped and counted.
func (b *bus) publish(channel string, payload []byte) error {
	select {
	case b.queue <- outgoing{channel, payload}:
		return nil
	case <-b.ctx.Done():
		return errClosed
	default:
		b.dropped.Add(1)
		return errQueueFull
	}
}

// publishLoop sends the queued messages in order.
func (b *bus) publishLoop() {
	defer b.wg.Done()
	for {
		select {
		case <-b.ctx.Done():
			return
		case o := <-b.queue:
			b.send(o)
		}
	}
}

func (b *bus) send(o outgoing) {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	var err error
	if b.sharded {
		err = b.client.SPublish(ctx, o.channel, o.payload).Err()
	} else {
		err = b.client.Publish(ctx, o.channel, o.payload).Err()
	}
	if err != nil {
		b.dropped.Add(1)
		b.setDown(err)
		if b.obs != nil { // queued, so the Cluster saw no error
			b.obs.PublishFailed()
		}
	}
}

// numSub returns the number of subscribers of channel: PUBSUB NUMSUB, or
// SHARDNUMSUB in sharded mode.
func (b *bus) numSub(ctx context.Context, channel string) (int, error) {
	var m map[string]int64
	var err error
	if b.sharded {
		m, err = b.client.PubSubShardNumSub(ctx, channel).Result()
	} else {
		m, err = b.client.PubSubNumSub(ctx, channel).Result()
	}
	if err != nil {
		return 0, err
	}
	return int(m[channel]), nil
}

// close stops both loops and the subscriber connection.
func (b *bus) close() error {
	b.cancel()
	err := b.ps.Close()
	b.wg.Wait()
	return err
}

var (
	errClosed    = errors.New("redis adapter: closed")
	errQueueFull = errors.New("redis adapter: publish queue full, message dropped")
)
