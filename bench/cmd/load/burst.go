package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// burstTracker accounts for the acks of one burst of echoes with ids 1..n:
// each must come back once, with the payload that was sent under its id. It
// is fed from one reader at a time (a poller worker, or the polling GET
// loop) while the sender runs; everything the waiter reads is atomic.
type burstTracker struct {
	n       uint64
	startNs int64
	seen    []atomic.Bool // by id-1
	acked   atomic.Uint64
	dup     atomic.Uint64
	corrupt atomic.Uint64
	lastNs  atomic.Int64 // when the latest first ack arrived
	sentNs  atomic.Int64 // when the last event was written
	done    chan struct{}
	closed  atomic.Pointer[string] // why the connection ended, first reason
	latMu   sync.Mutex
	lat     histogram
}

func newBurstTracker(n int) *burstTracker {
	return &burstTracker{n: uint64(n), seen: make([]atomic.Bool, n), done: make(chan struct{})}
}

// onPacket takes a Socket.IO packet (Engine.IO prefix removed): an ack
// counts, a namespace DISCONNECT ("41") ends the burst, events are ignored.
func (t *burstTracker) onPacket(pkt []byte) {
	if len(pkt) >= 2 && pkt[0] == '4' && pkt[1] == '1' {
		t.disconnect("server sent a Socket.IO DISCONNECT")
		return
	}
	if len(pkt) == 0 || pkt[0] != '3' {
		return
	}
	at := now()
	id, arg, ok := ackArg(pkt)
	if !ok || id == 0 || id > t.n {
		t.corrupt.Add(1)
		return
	}
	seq, sent, _, err := parsePayload(arg)
	if err != nil || seq != id {
		t.corrupt.Add(1)
		return
	}
	if t.seen[id-1].Swap(true) {
		t.dup.Add(1)
		return
	}
	t.latMu.Lock()
	t.lat.record(time.Duration(at - sent))
	t.latMu.Unlock()
	t.lastNs.Store(at)
	if t.acked.Add(1) == t.n {
		close(t.done)
	}
}

// disconnect records why the connection ended (the first reason only).
func (t *burstTracker) disconnect(why string) {
	t.closed.CompareAndSwap(nil, &why)
}

// wait returns once every ack arrived, the connection ended, or timeout
// passed; closed reports an end the tracker could not see itself.
func (t *burstTracker) wait(timeout time.Duration, closed func() error) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-t.done:
			return nil
		case <-deadline.C:
			return fmt.Errorf("timeout: %d of %d acked after %v", t.acked.Load(), t.n, timeout)
		case <-tick.C:
			if err := closed(); err != nil {
				t.disconnect(err.Error())
			}
			if t.closed.Load() != nil {
				return nil
			}
		}
	}
}

// result reports the burst: events/s from the first send to the last ack,
// how many were acked, and whether the connection ended before the end.
func (t *burstTracker) result(m *meter, werr error) *result {
	res := newResult()
	acked := t.acked.Load()
	res.metric("events", float64(t.n))
	res.metric("acked", float64(acked))
	if last := t.lastNs.Load(); acked > 0 && last > t.startNs {
		res.metric("events_per_s", float64(acked)/time.Duration(last-t.startNs).Seconds())
	}
	if s := t.sentNs.Load(); s > t.startNs {
		res.metric("send_ms", ms(time.Duration(s-t.startNs)))
	}
	t.latMu.Lock()
	res.latency(&t.lat)
	t.latMu.Unlock()
	res.cpu(m)
	res.check("lost", t.n-acked)
	res.check("duplicate", t.dup.Load())
	res.check("corrupt", t.corrupt.Load())
	var disconnected uint64
	if why := t.closed.Load(); why != nil && acked < t.n {
		disconnected = 1
		res.errors = append(res.errors, "disconnected: "+*why)
	}
	res.metric("disconnected", float64(disconnected))
	res.check("disconnected", disconnected)
	if werr != nil {
		res.errors = append(res.errors, werr.Error())
	}
	return res
}

// burstFrames calls emit with the frame of each echo 1..n, in order, each
// carrying its id, its send time and the filler of parsePayload.
func burstFrames(n int, emit func(frame []byte) error) error {
	var frame, payload []byte
	for id := uint64(1); id <= uint64(n); id++ {
		payload = appendPayload(payload[:0], id, now(), 0)
		frame = appendEvent(frame[:0], id, "echo", payload)
		if err := emit(frame); err != nil {
			return err
		}
	}
	return nil
}

// runBurst is the burst scenario over WebSocket: one client, once
// connected, emits cfg.events "echo" events with an ack each in one go, one
// WebSocket frame per event as the official client writes them (its
// Engine.IO WebSocket transport sends each packet of its write buffer as a
// frame of its own), and waits for every ack.
func runBurst(ctx context.Context, cfg config) (*result, error) {
	addr, err := wsURL(cfg.url)
	if err != nil {
		return nil, err
	}
	t := newBurstTracker(cfg.events)
	c, err := dialWS(ctx, addr, nil, func(_ *wsClient, pkt []byte) { t.onPacket(pkt) })
	if err != nil {
		return nil, err
	}
	defer c.close()
	m := startMeter(cfg.pid)
	t.startNs = now()
	var stopping atomic.Bool // from then on, a failed write is ours
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		err := burstFrames(cfg.events, c.send)
		t.sentNs.Store(now())
		if err != nil && !stopping.Load() {
			t.disconnect("write: " + err.Error())
		}
	}()
	werr := t.wait(cfg.burstTimeout, func() error {
		if e := c.closeErr.Load(); e != nil {
			return *e
		}
		return nil
	})
	m.stop()
	time.Sleep(200 * time.Millisecond) // late duplicates
	stopping.Store(true)
	closePoller() // unblocks a sender the server stopped reading
	<-sent
	return t.result(m, werr), nil
}
