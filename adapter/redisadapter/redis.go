// Package redisadapter connects duplex nodes through Redis, speaking the wire
// format of the official Node adapters, so that Go and Node servers can
// share one cluster:
//
//   - ModeClassic (the default): @socket.io/redis-adapter's createAdapter,
//     PUBLISH/PSUBSCRIBE; @socket.io/redis-emitter can drive these nodes.
//   - ModeSharded: createShardedAdapter, SPUBLISH/SSUBSCRIBE (Redis 7),
//     with its subscription modes (Options.SubscriptionMode).
//   - ModeStreams: @socket.io/redis-streams-adapter's createAdapter, a
//     Redis stream (XADD/XREAD) for the messages every node must see in
//     order, Pub/Sub for requests and answers. Its adapters are
//     adapter.SessionStores: with socketio's ConnectionStateRecovery, a
//     client recovers on any node, and after a node restarts, from the
//     sessions and the stream kept in Redis (docs/redis-streams.md).
//
// The cluster protocol itself is adapter.Cluster's; this package only
// encodes its messages and moves them. When Redis is unreachable the nodes
// keep serving their local sockets, retry with backoff, and resume when it
// is back; messages published meanwhile are lost, as with the Node
// adapters.
//
// The package is not named redis so that it does not shadow the go-redis
// driver it works with: a caller writes redis.NewClient and
// redisadapter.New side by side.
package redisadapter

import (
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/duplexio/duplex/adapter"
)

// Mode selects the wire format.
type Mode string

// The modes.
const (
	ModeClassic Mode = "classic"
	ModeSharded Mode = "sharded"
	ModeStreams Mode = "streams"
)

// Options configure a Broker; zero values mean defaults.
type Options struct {
	// Key prefixes every channel (default "socket.io", as in Node); nodes
	// of one cluster must use the same key.
	Key string
	// Mode is the wire format (default ModeClassic).
	Mode Mode
	// SubscriptionMode is createShardedAdapter's subscriptionMode option,
	// for ModeSharded (default SubscriptionDynamic, as in Node).
	SubscriptionMode SubscriptionMode
	// RequestTimeout bounds the wait for other nodes' answers (default
	// adapter.DefaultRequestTimeout).
	RequestTimeout time.Duration
	// QueueSize bounds the messages waiting to be published (default
	// 4096); past it, messages are dropped rather than kept in memory.
	QueueSize int
	// QueueBytes bounds the bytes of the stream writes waiting to be sent
	// in ModeStreams (default 32 MiB); past it, they are dropped too.
	QueueBytes int64

	// StreamName is the stream of ModeStreams (default "socket.io", as
	// Node's streamName); the cluster's nodes use the same.
	StreamName string
	// MaxLen trims the stream: XADD MAXLEN ~ MaxLen (default 10000, as
	// Node). It bounds the recovery window in packets: a client whose
	// offset was trimmed gets a fresh session.
	MaxLen int64
	// SessionKeyPrefix prefixes the keys of persisted sessions (default
	// "sio:session:", as Node's sessionKeyPrefix).
	SessionKeyPrefix string
	// StreamBlockTime is how long one XREAD waits for entries (default 1
	// s; Node's blockTimeInMs is 5 s). Close waits for up to this long.
	StreamBlockTime time.Duration
	// KeepSessions, in ModeStreams with recovery on, also persists the
	// session of each connected socket when it connects and every
	// KeepSessions after (and deletes it when the socket leaves on
	// purpose), so that the clients of a node that dies without a
	// Shutdown (SIGKILL, OOM) recover elsewhere, with the rooms and data
	// of the last save. It must be shorter than the recovery window. Zero
	// (the default) persists sessions on disconnect only, as Node does.
	// The cost is one SET per connected socket per interval.
	KeepSessions time.Duration
	// Logger receives connection state changes and errors; nil discards.
	Logger *slog.Logger
	// Observer, when set, is told of the cluster's requests, failed
	// publishes and Redis outages (see adapter.ClusterObserver).
	Observer adapter.ClusterObserver
}

// Broker makes the namespaces of a server nodes of a Redis cluster: pass
// its Adapter method as socketio.Options.Adapter. It uses one subscriber
// connection and the client's pool for publishing and PUBSUB queries.
type Broker struct {
	opts   Options
	bus    *bus
	stream *streamLog // ModeStreams only
	uid    string

	mu     sync.Mutex
	closed bool
}

// New returns a Broker over client, which it does not close.
func New(client goredis.UniversalClient, opts *Options) *Broker {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Key == "" {
		o.Key = "socket.io"
	}
	if o.Mode == "" {
		o.Mode = ModeClassic
	}
	if o.SubscriptionMode == "" {
		o.SubscriptionMode = SubscriptionDynamic
	}
	if o.QueueSize <= 0 {
		o.QueueSize = 4096
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	b := &Broker{opts: o, uid: adapter.RandomID(8), bus: newBus(client, o.Mode == ModeSharded, o.QueueSize, o.Logger, o.Observer)}
	if o.Mode == ModeStreams {
		streamDefaults(&b.opts)
		b.stream = newStreamLog(client, &b.opts)
	}
	return b
}

func streamDefaults(o *Options) {
	if o.StreamName == "" {
		o.StreamName = "socket.io"
	}
	if o.MaxLen <= 0 {
		o.MaxLen = 10000
	}
	if o.SessionKeyPrefix == "" {
		o.SessionKeyPrefix = "sio:session:"
	}
	if o.StreamBlockTime <= 0 {
		o.StreamBlockTime = time.Second
	}
	if o.QueueBytes <= 0 {
		o.QueueBytes = 32 << 20
	}
}

// Adapter is an adapter.Factory: the cluster adapter of ns.
func (b *Broker) Adapter(ns adapter.Namespace) adapter.Adapter {
	if b.opts.Mode == ModeStreams {
		return b.streamsAdapter(ns)
	}
	var sh *sharded
	open := func(nsp, uid string, deliver func(*adapter.Message)) adapter.Transport {
		if b.opts.Mode == ModeSharded {
			sh = openSharded(b.bus, b.opts.Key, nsp, uid, b.opts.SubscriptionMode, deliver, b.opts.Logger)
			return sh
		}
		return openClassic(b.bus, b.opts.Key, nsp, uid, deliver, b.opts.Logger)
	}
	c := adapter.NewCluster(ns, open, &adapter.ClusterOptions{UID: b.uid, RequestTimeout: b.opts.RequestTimeout, Logger: b.opts.Logger, Observer: b.opts.Observer})
	if sh != nil {
		sh.watch(c.Memory)
	}
	return c
}

// streamsAdapter returns the ModeStreams adapter of ns.
func (b *Broker) streamsAdapter(ns adapter.Namespace) adapter.Adapter {
	var t *streams
	open := func(nsp, uid string, deliver func(*adapter.Message)) adapter.Transport {
		t = openStreams(b.stream, b.bus, b.opts.Key, nsp, uid, deliver, b.opts.Logger)
		return t
	}
	c := adapter.NewCluster(ns, open, &adapter.ClusterOptions{UID: b.uid, RequestTimeout: b.opts.RequestTimeout, Logger: b.opts.Logger, Observer: b.opts.Observer})
	return &streamsAdapter{Cluster: c, t: t, prefix: b.opts.SessionKeyPrefix, keepEvery: b.opts.KeepSessions}
}

// Key returns the channel prefix in use.
func (b *Broker) Key() string { return b.opts.Key }

// Close stops the subscriber connection and the publisher; call it after
// the server's Shutdown. It does not close the client.
func (b *Broker) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	if b.stream != nil {
		b.stream.close()
	}
	if err := b.bus.close(); err != nil && !errors.Is(err, goredis.ErrClosed) {
		return err
	}
	return nil
}

// Dial returns a client for a redis:// or rediss:// URL
// (redis://[user:password@]host:port[/db]).
func Dial(url string) (*goredis.Client, error) {
	o, err := goredis.ParseURL(url)
	if err != nil {
		return nil, err
	}
	return goredis.NewClient(o), nil
}

var errMalformed = errors.New("redis adapter: malformed message")
