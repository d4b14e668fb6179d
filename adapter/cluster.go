package adapter

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"slices"
	"time"

	"github.com/duplexio/duplex/parser"
)

// Transport moves cluster Messages of one namespace between the nodes of a
// cluster: it owns the wire format and the broker, the Cluster adapter owns
// the protocol. Implementations are safe for concurrent use; Publish and
// PublishResponse must not block on an unreachable broker for longer than
// ctx allows (queueing and dropping are fine: the protocol tolerates lost
// messages through request timeouts).
type Transport interface {
	// Publish sends m to every node of the namespace. It may come back to
	// this node, which ignores it by m.UID.
	Publish(ctx context.Context, m *Message) error
	// PublishResponse sends the response m to the node uid that asked.
	PublishResponse(ctx context.Context, uid string, m *Message) error
	// ServerCount returns the number of nodes serving the namespace, this
	// one included.
	ServerCount(ctx context.Context) (int, error)
	// Close stops the transport: no message is delivered after it returns.
	Close() error
}

// OpenTransport opens the transport of a namespace for the node uid; the
// transport passes every message it receives to deliver, from one
// goroutine at a time.
type OpenTransport func(nsp, uid string, deliver func(*Message)) Transport

// ClusterNamespace is what a Cluster adapter needs from its namespace on
// top of Namespace, to serve requests from other nodes. The handle socketio
// passes to a Factory implements it; with a plain Namespace, events sent with ServerSideEmit
// are dropped and broadcasts with acks from other nodes reach no one.
type ClusterNamespace interface {
	Namespace
	// ServerSideEmitReceived receives an event another node sent with
	// ServerSideEmit: p.Data is [event, ...args]. ack is nil when the
	// sender waits for no answer; otherwise the first call sends the
	// answer back. It must not block: the transport waits for it.
	ServerSideEmitReceived(p *parser.Packet, ack func(answer json.RawMessage))
	// NextAckID returns an unused ack id, for a broadcast with acks that
	// another node started.
	NextAckID() uint64
	// ForgetAck drops the local sockets' waits for the ack id.
	ForgetAck(id uint64)
}

// ClusterOptions configure a Cluster adapter; zero values mean defaults.
type ClusterOptions struct {
	// UID identifies the node; default 16 random hex characters.
	UID string
	// RequestTimeout bounds the wait for other nodes' answers (default
	// DefaultRequestTimeout).
	RequestTimeout time.Duration
	// Logger receives transport errors; nil discards them.
	Logger *slog.Logger
	// Observer, when set, is told of requests and failed publishes.
	Observer ClusterObserver
}

// Cluster is an Adapter for one node of a cluster: it keeps the local rooms
// in an embedded Memory adapter and implements the cluster-wide operations
// once, as messages over a Transport, whatever the broker. It is the Go
// counterpart of socket.io-adapter's ClusterAdapter.
type Cluster struct {
	*Memory
	ns      Namespace
	cns     ClusterNamespace // nil when ns is not one
	uid     string
	timeout time.Duration
	log     *slog.Logger
	t       Transport
	reqs    registry
	obs     ClusterObserver
}

var _ Adapter = (*Cluster)(nil)

// NewCluster returns the cluster adapter of ns over the transport that open
// returns.
func NewCluster(ns Namespace, open OpenTransport, opts *ClusterOptions) *Cluster {
	var o ClusterOptions
	if opts != nil {
		o = *opts
	}
	if o.UID == "" {
		o.UID = RandomID(8)
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = DefaultRequestTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	c := &Cluster{Memory: NewMemory(ns).(*Memory), ns: ns, uid: o.UID, timeout: o.RequestTimeout, log: o.Logger, obs: o.Observer}
	c.cns, _ = ns.(ClusterNamespace)
	c.t = open(ns.Name(), c.uid, c.deliver)
	return c
}

// UID returns the node id the adapter speaks as.
func (c *Cluster) UID() string { return c.uid }

// publish sends a message to the other nodes; a failure is only logged,
// like a broadcast that no remote socket receives.
func (c *Cluster) publish(m *Message) {
	m.UID = c.uid
	if err := c.t.Publish(context.Background(), m); err != nil {
		if c.obs != nil {
			c.obs.PublishFailed()
		}
		c.log.Warn("adapter: cluster publish failed", "nsp", c.ns.Name(), "type", m.Type, "err", err)
	}
}

// Broadcast implements Adapter: the local sockets get p at once, the other
// nodes through the transport unless the Local flag is set.
func (c *Cluster) Broadcast(p *parser.Packet, opts *BroadcastOptions) {
	if !opts.Flags.Local {
		c.publish(&Message{Type: MsgBroadcast, Packet: p, Opts: opts})
	}
	c.Memory.Broadcast(p, opts)
}

// BroadcastWithAck implements Adapter. The other nodes answer with their
// client counts and each client's acknowledgement; answers are accepted
// until the broadcast's timeout (or the request timeout) passes.
func (c *Cluster) BroadcastWithAck(p *parser.Packet, opts *BroadcastOptions, onClientCount func(int), onAck func(*parser.Packet)) {
	if !opts.Flags.Local {
		id := RandomID(8)
		d := opts.Flags.Timeout
		if d <= 0 {
			d = c.timeout
		}
		c.reqs.addAck(id, &ackRequest{onClientCount: onClientCount, onAck: func(m *Message) { onAck(m.Packet) }}, d)
		c.publish(&Message{Type: MsgBroadcast, RequestID: id, Packet: p, Opts: opts})
	}
	c.Memory.BroadcastWithAck(p, opts, onClientCount, onAck)
}

// ServerCount implements Adapter.
func (c *Cluster) ServerCount(ctx context.Context) (int, error) {
	n, err := c.t.ServerCount(ctx)
	if err != nil {
		return 1, err
	}
	return max(n, 1), nil
}

// request publishes m to the other nodes and waits for one answer of type
// kind from each, passing every answer to onResponse (under a lock: it
// must only record). With no other node it returns at once.
func (c *Cluster) request(ctx context.Context, m *Message, kind MessageType, what string, onResponse func(*Message)) error {
	n, err := c.ServerCount(ctx)
	if err != nil {
		return err
	}
	if n <= 1 {
		return nil
	}
	id := RandomID(8)
	req := &request{expected: n - 1, kind: kind, onResponse: onResponse, done: make(chan struct{}),
		describe: func() string { return what }}
	c.reqs.add(id, req)
	m.RequestID = id
	m.UID = c.uid
	if err := c.t.Publish(ctx, m); err != nil {
		c.reqs.remove(id)
		c.requested(what, err)
		return err
	}
	err = c.reqs.wait(ctx, id, req, c.timeout)
	c.requested(what, err)
	return err
}

// FetchSockets implements Adapter: the local sockets and those of every
// node that answered. On a timeout it returns what it got with an error
// wrapping ErrTimeout.
func (c *Cluster) FetchSockets(ctx context.Context, opts *BroadcastOptions) ([]SocketInfo, error) {
	out, _ := c.Memory.FetchSockets(ctx, opts)
	if opts.Flags.Local {
		return out, nil
	}
	err := c.request(ctx, &Message{Type: MsgFetchSockets, Opts: opts}, MsgFetchSocketsResponse, "fetchSockets",
		func(m *Message) { out = append(out, m.Sockets...) })
	return out, err
}

// AllRooms returns the rooms with members on any node, sorted. On a
// timeout it returns what it got with an error wrapping ErrTimeout.
func (c *Cluster) AllRooms(ctx context.Context) ([]Room, error) {
	set := map[Room]struct{}{}
	for _, r := range c.Rooms() {
		set[r] = struct{}{}
	}
	err := c.request(ctx, &Message{Type: MsgAllRooms}, MsgAllRoomsResponse, "allRooms", func(m *Message) {
		for _, r := range m.Rooms {
			set[r] = struct{}{}
		}
	})
	out := make([]Room, 0, len(set))
	for r := range set {
		out = append(out, r)
	}
	slices.Sort(out)
	return out, err
}

// AddSockets implements Adapter.
func (c *Cluster) AddSockets(opts *BroadcastOptions, rooms []Room) {
	if !opts.Flags.Local {
		c.publish(&Message{Type: MsgSocketsJoin, Opts: opts, Rooms: rooms})
	}
	c.Memory.AddSockets(opts, rooms)
}

// DelSockets implements Adapter.
func (c *Cluster) DelSockets(opts *BroadcastOptions, rooms []Room) {
	if !opts.Flags.Local {
		c.publish(&Message{Type: MsgSocketsLeave, Opts: opts, Rooms: rooms})
	}
	c.Memory.DelSockets(opts, rooms)
}

// DisconnectSockets implements Adapter.
func (c *Cluster) DisconnectSockets(opts *BroadcastOptions, close bool) {
	if !opts.Flags.Local {
		c.publish(&Message{Type: MsgDisconnectSockets, Opts: opts, Close: close})
	}
	c.Memory.DisconnectSockets(opts, close)
}

// ServerSideEmit implements Adapter. With ack it waits for one answer from
// each other node; on a timeout it returns the answers received with an
// error wrapping ErrTimeout.
func (c *Cluster) ServerSideEmit(ctx context.Context, p *parser.Packet, ack bool) ([]json.RawMessage, error) {
	m := &Message{Type: MsgServerSideEmit, Packet: p}
	if !ack {
		m.UID = c.uid
		return nil, c.t.Publish(ctx, m)
	}
	var out []json.RawMessage
	err := c.request(ctx, m, MsgServerSideEmitResponse, "serverSideEmit", func(m *Message) {
		out = append(out, m.Data)
	})
	return out, err
}

// Close implements Adapter: pending requests are dropped and the transport
// closed.
func (c *Cluster) Close() error {
	err := c.t.Close()
	c.reqs.clear()
	return err
}
