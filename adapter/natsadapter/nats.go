// Package natsadapter connects duplex nodes through NATS core subjects. The
// cluster protocol is adapter.Cluster's; this package carries its messages
// as JSON in the message set of socket.io-adapter's ClusterAdapter
// ({uid, nsp, type, data}), and counts the nodes with heartbeats.
//
// Subjects, with prefix the Prefix option and ns the escaped namespace
// (see EscapeNamespace):
//
//	prefix.ns.all         every message to all nodes, heartbeats included
//	prefix.ns.node.<uid>  responses to the node uid
//
// Node count: each node publishes an INITIAL_HEARTBEAT (type 1) when it
// opens a namespace and when its connection comes back, a HEARTBEAT (2)
// every HeartbeatInterval and in answer to another node's initial
// heartbeat, and ADAPTER_CLOSE (13) when it closes. A node counts the
// nodes it heard from within two intervals, itself included. A node that
// dies silently is still counted for up to two intervals, during which
// requests wait for it until their timeout.
//
// NATS core has no persistence: messages published while a node is
// disconnected are buffered by nats.go up to its reconnect buffer and
// flushed on reconnect; past the buffer they are lost. Meanwhile the node
// keeps serving its local sockets.
//
// The package is not named nats so that it does not shadow nats.go, the
// driver a caller connects with: nats.Connect and natsadapter.New read
// side by side.
package natsadapter

import (
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/duplexio/duplex/adapter"
)

// Options configure a Broker; zero values mean defaults.
type Options struct {
	// Prefix starts every subject (default "duplex"); nodes of one cluster
	// use the same prefix. It may contain dots but no wildcards.
	Prefix string
	// RequestTimeout bounds the wait for other nodes' answers (default
	// adapter.DefaultRequestTimeout).
	RequestTimeout time.Duration
	// HeartbeatInterval is the time between heartbeats (default 5 s); a
	// node unheard of for twice as long is no longer counted.
	HeartbeatInterval time.Duration
	// Logger receives connection state changes and errors; nil discards.
	Logger *slog.Logger
	// Observer, when set, is told of the cluster's requests, failed
	// publishes and NATS outages (see adapter.ClusterObserver).
	Observer adapter.ClusterObserver
}

// Broker makes the namespaces of a server nodes of a NATS cluster: pass
// its Adapter method as socketio.Options.Adapter.
type Broker struct {
	nc   *nats.Conn
	opts Options
	uid  string

	mu     sync.Mutex
	open   map[*transport]struct{}
	closed bool
	state  connState // as told to the Observer (state.go)
}

// New returns a Broker over nc, which it does not close. It sets nc's
// disconnect and reconnect handlers (until Close) to log, to tell the
// Observer, and to announce the node again.
func New(nc *nats.Conn, opts *Options) *Broker {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Prefix == "" {
		o.Prefix = "duplex"
	}
	if o.HeartbeatInterval <= 0 {
		o.HeartbeatInterval = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	b := &Broker{nc: nc, opts: o, uid: adapter.RandomID(8), open: map[*transport]struct{}{}}
	nc.SetDisconnectErrHandler(func(c *nats.Conn, err error) {
		if c.IsClosed() || err == nil {
			return // closed on purpose
		}
		o.Logger.Error("nats adapter: disconnected; serving local sockets only until reconnected", "err", err)
		b.observe(false)
	})
	nc.SetReconnectHandler(func(c *nats.Conn) {
		o.Logger.Info("nats adapter: reconnected", "url", c.ConnectedUrlRedacted())
		b.observe(true)
		b.announce()
	})
	b.observe(nc.IsConnected())
	return b
}

// Adapter is an adapter.Factory: the cluster adapter of ns.
func (b *Broker) Adapter(ns adapter.Namespace) adapter.Adapter {
	return adapter.NewCluster(ns, b.openTransport, &adapter.ClusterOptions{UID: b.uid, RequestTimeout: b.opts.RequestTimeout, Logger: b.opts.Logger, Observer: b.opts.Observer})
}

// Prefix returns the subject prefix in use.
func (b *Broker) Prefix() string { return b.opts.Prefix }

func (b *Broker) openTransport(nsp, uid string, deliver func(*adapter.Message)) adapter.Transport {
	t := newTransport(b, nsp, uid, deliver)
	b.mu.Lock()
	b.open[t] = struct{}{}
	b.mu.Unlock()
	return t
}

func (b *Broker) forget(t *transport) {
	b.mu.Lock()
	delete(b.open, t)
	b.mu.Unlock()
}

// announce sends an initial heartbeat in every namespace, so that the
// other nodes count this one again at once after a reconnect.
func (b *Broker) announce() {
	b.mu.Lock()
	ts := make([]*transport, 0, len(b.open))
	for t := range b.open {
		ts = append(ts, t)
	}
	b.mu.Unlock()
	for _, t := range ts {
		t.heartbeat(msgInitialHeartbeat)
	}
}

// Close closes the transports still open (a server's Shutdown closes its
// own first); it does not close the connection.
func (b *Broker) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	b.nc.SetDisconnectErrHandler(nil)
	b.nc.SetReconnectHandler(nil)
	ts := make([]*transport, 0, len(b.open))
	for t := range b.open {
		ts = append(ts, t)
	}
	b.mu.Unlock()
	var errs []error
	for _, t := range ts {
		errs = append(errs, t.Close())
	}
	return errors.Join(errs...)
}

// Dial connects to a nats:// URL (comma-separated for several servers),
// reconnecting forever with nats.go's backoff.
func Dial(url string, opts ...nats.Option) (*nats.Conn, error) {
	all := append([]nats.Option{nats.MaxReconnects(-1), nats.ReconnectWait(250 * time.Millisecond),
		nats.RetryOnFailedConnect(true), nats.Name("duplex")}, opts...)
	return nats.Connect(url, all...)
}

// EscapeNamespace turns a namespace name into one subject token: ASCII
// letters, digits and '-' stay, every other byte becomes '_' and two
// uppercase hex digits ("/" is "_2F", "/chat.v1" is "_2Fchat_2Ev1"), so
// that '.', '*', '>' and spaces never reach the subject and distinct
// names stay distinct.
func EscapeNamespace(nsp string) string {
	const hex = "0123456789ABCDEF"
	var sb strings.Builder
	for i := 0; i < len(nsp); i++ {
		c := nsp[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' {
			sb.WriteByte(c)
			continue
		}
		sb.WriteByte('_')
		sb.WriteByte(hex[c>>4])
		sb.WriteByte(hex[c&15])
	}
	return sb.String()
}
