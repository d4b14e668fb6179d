package adapter

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrTimeout is wrapped by the errors of cluster requests that did not get
// every node's answer in time; the results that did arrive are returned
// with it.
var ErrTimeout = errors.New("adapter: cluster request timed out")

// DefaultRequestTimeout is how long a cluster request waits for the other
// nodes' answers, as requestsTimeout in the Node adapters.
const DefaultRequestTimeout = 5 * time.Second

// RandomID returns n random bytes as 2n hex characters: node and request
// ids.
func RandomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// request is a cluster request waiting for the other nodes' answers. Its
// onResponse runs under the registry's lock, so it needs no lock of its
// own, and must not block.
type request struct {
	expected   int              // answers awaited
	received   int              // answers so far
	onResponse func(m *Message) // records one answer
	done       chan struct{}    // closed when received reaches expected
	kind       MessageType      // the response type accepted
	describe   func() string    // what is awaited, for the timeout error
	ack        *ackRequest      // set for a broadcast with acks
	timer      *time.Timer      // removes an ack request when it expires
}

// ackRequest is a broadcast waiting for acknowledgements: the number of
// clients is unknown in advance, so it lives until its timeout.
type ackRequest struct {
	onClientCount func(int)
	onAck         func(m *Message)
}

// registry holds the pending requests of one adapter, by request id.
type registry struct {
	mu      sync.Mutex
	pending map[string]*request
}

func (r *registry) add(id string, req *request) {
	r.mu.Lock()
	if r.pending == nil {
		r.pending = map[string]*request{}
	}
	r.pending[id] = req
	r.mu.Unlock()
}

func (r *registry) remove(id string) {
	r.mu.Lock()
	if req := r.pending[id]; req != nil && req.timer != nil {
		req.timer.Stop()
	}
	delete(r.pending, id)
	r.mu.Unlock()
}

// dispatch hands a response to its request; responses to unknown or
// finished requests (late answers, other nodes' requests on a shared
// channel) are dropped.
func (r *registry) dispatch(m *Message) {
	r.mu.Lock()
	req := r.pending[m.RequestID]
	if req == nil {
		r.mu.Unlock()
		return
	}
	if req.ack != nil {
		r.mu.Unlock()
		dispatchAck(req.ack, m)
		return
	}
	if m.Type != req.kind || req.received >= req.expected {
		r.mu.Unlock()
		return
	}
	req.received++
	req.onResponse(m)
	if req.received == req.expected {
		close(req.done)
	}
	r.mu.Unlock()
}

// dispatchAck passes a broadcast's answers on, outside the registry lock
// since the callbacks are the caller's.
func dispatchAck(a *ackRequest, m *Message) {
	switch m.Type {
	case MsgBroadcastClientCount:
		a.onClientCount(m.ClientCount)
	case MsgBroadcastAck:
		a.onAck(m)
	}
}

// wait blocks until req has every answer, ctx ends or timeout passes. The
// request is removed in every case; on a timeout the error wraps ErrTimeout
// and says how many answers came.
func (r *registry) wait(ctx context.Context, id string, req *request, timeout time.Duration) error {
	defer r.remove(id)
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-req.done:
		return nil
	case <-t.C:
	case <-ctx.Done():
	}
	r.mu.Lock()
	got := req.received
	r.mu.Unlock()
	err := fmt.Errorf("%w: %s: %d of %d nodes answered", ErrTimeout, req.describe(), got, req.expected)
	if ctx.Err() != nil {
		err = fmt.Errorf("%w (%w)", err, ctx.Err())
	}
	return err
}

// addAck registers a broadcast with acks for d, after which late answers
// are dropped: no node says when it has forwarded its last client's ack.
func (r *registry) addAck(id string, a *ackRequest, d time.Duration) {
	req := &request{ack: a}
	r.mu.Lock()
	if r.pending == nil {
		r.pending = map[string]*request{}
	}
	r.pending[id] = req
	req.timer = time.AfterFunc(d, func() { r.remove(id) })
	r.mu.Unlock()
}

// clear stops every pending request's timer and forgets them all.
func (r *registry) clear() {
	r.mu.Lock()
	for id, req := range r.pending {
		if req.timer != nil {
			req.timer.Stop()
		}
		delete(r.pending, id)
	}
	r.mu.Unlock()
}
