package natsadapter

import (
	"context"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/duplexio/duplex/adapter"
)

// transport is the adapter.Transport of one namespace.
type transport struct {
	b        *Broker
	nsp, uid string
	all      string // subject of messages to all nodes
	node     string // prefix of the nodes' response subjects
	deliver  func(*adapter.Message)

	deliverMu sync.Mutex // the two subscriptions deliver one at a time
	subs      []*nats.Subscription

	mu     sync.Mutex
	seen   map[string]time.Time // other nodes, by uid: last heard from
	closed bool
	stop   chan struct{}
	wg     sync.WaitGroup
}

var _ adapter.Transport = (*transport)(nil)

func newTransport(b *Broker, nsp, uid string, deliver func(*adapter.Message)) *transport {
	base := b.opts.Prefix + "." + EscapeNamespace(nsp)
	t := &transport{b: b, nsp: nsp, uid: uid, all: base + ".all", node: base + ".node.", deliver: deliver,
		seen: map[string]time.Time{}, stop: make(chan struct{})}
	for _, subj := range []string{t.all, t.node + uid} {
		sub, err := b.nc.Subscribe(subj, t.onMsg)
		if err != nil {
			// Only a closed connection or a bad subject fails here; with
			// RetryOnFailedConnect, subscriptions made while connecting
			// are sent once connected.
			b.opts.Logger.Error("nats adapter: subscribe failed", "subject", subj, "err", err)
			continue
		}
		t.subs = append(t.subs, sub)
	}
	t.heartbeat(msgInitialHeartbeat)
	t.wg.Add(1)
	go t.heartbeatLoop()
	return t
}

// onMsg decodes a message and hands it on: heartbeats are handled here,
// the rest goes to the Cluster adapter.
func (t *transport) onMsg(msg *nats.Msg) {
	m, nsp, err := decode(msg.Data)
	if err != nil || nsp != t.nsp {
		if err != nil {
			t.b.opts.Logger.Warn("nats adapter: dropped message", "subject", msg.Subject, "err", err)
		}
		return
	}
	if m.UID == t.uid {
		return
	}
	if !t.track(m) {
		return
	}
	t.deliverMu.Lock()
	defer t.deliverMu.Unlock()
	t.deliver(m)
}

// track records what m says about its sender and reports whether m is for
// the Cluster adapter.
func (t *transport) track(m *adapter.Message) bool {
	if m.UID == "" {
		return true
	}
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return false
	}
	if m.Type == msgAdapterClose {
		delete(t.seen, m.UID)
	} else {
		t.seen[m.UID] = time.Now()
	}
	t.mu.Unlock()
	switch m.Type {
	case msgInitialHeartbeat:
		t.heartbeat(msgHeartbeat)
		return false
	case msgHeartbeat, msgAdapterClose:
		return false
	}
	return true
}

func (t *transport) heartbeatLoop() {
	defer t.wg.Done()
	tick := time.NewTicker(t.b.opts.HeartbeatInterval)
	defer tick.Stop()
	for {
		select {
		case <-t.stop:
			return
		case <-tick.C:
			t.heartbeat(msgHeartbeat)
			t.b.recheck()
		}
	}
}

func (t *transport) heartbeat(typ adapter.MessageType) {
	_ = t.publish(t.all, &adapter.Message{UID: t.uid, Type: typ})
}

func (t *transport) publish(subject string, m *adapter.Message) error {
	b, err := encode(t.nsp, m)
	if err != nil {
		return err
	}
	return t.b.nc.Publish(subject, b)
}

// Publish implements adapter.Transport. nats.go never blocks here: while
// reconnecting it buffers, and fails once its buffer is full.
func (t *transport) Publish(_ context.Context, m *adapter.Message) error {
	return t.publish(t.all, m)
}

// PublishResponse implements adapter.Transport.
func (t *transport) PublishResponse(_ context.Context, uid string, m *adapter.Message) error {
	return t.publish(t.node+uid, m)
}

// ServerCount implements adapter.Transport: this node and those heard from
// within two heartbeat intervals.
func (t *transport) ServerCount(context.Context) (int, error) {
	limit := time.Now().Add(-2 * t.b.opts.HeartbeatInterval)
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 1
	for uid, at := range t.seen {
		if at.Before(limit) {
			delete(t.seen, uid)
			continue
		}
		n++
	}
	return n, nil
}

// Close implements adapter.Transport: it tells the other nodes, stops the
// heartbeats and unsubscribes.
func (t *transport) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	t.mu.Unlock()
	close(t.stop)
	t.wg.Wait()
	t.heartbeat(msgAdapterClose)
	for _, s := range t.subs {
		_ = s.Unsubscribe()
	}
	t.b.forget(t)
	return nil
}
