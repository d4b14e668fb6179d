package main

import (
	"context"
	"sync/atomic"
	"time"
)

// echoClient keeps one echo with ack in flight: it sends the next one from
// its read goroutine as soon as the ack of the previous one arrives.
type echoClient struct {
	id      uint64 // ack id of the echo in flight
	sentNs  int64
	frame   []byte
	payload []byte
	lat     histogram
	corrupt uint64
}

type echoState struct {
	acks    atomic.Uint64
	warmNs  atomic.Int64 // RTTs of echoes sent from then on count
	stopped atomic.Bool
}

func (e *echoClient) send(c *wsClient) error {
	e.id++
	e.sentNs = now()
	e.payload = appendPayload(e.payload[:0], e.id, e.sentNs, 0)
	e.frame = appendEvent(e.frame[:0], e.id, "echo", e.payload)
	return c.send(e.frame)
}

func (s *echoState) onPacket(e *echoClient) func(*wsClient, []byte) {
	return func(c *wsClient, pkt []byte) {
		id, arg, ok := ackArg(pkt)
		if !ok || id != e.id {
			e.corrupt++
			return
		}
		seq, sent, _, err := parsePayload(arg)
		if err != nil || seq != e.id || sent != e.sentNs {
			e.corrupt++
		}
		if w := s.warmNs.Load(); w != 0 && e.sentNs >= w {
			e.lat.record(time.Duration(now() - e.sentNs))
			s.acks.Add(1)
		}
		if !s.stopped.Load() {
			_ = e.send(c)
		}
	}
}

// runEcho is the echo scenario: cfg.clients clients each emit "echo" with a
// 64-byte payload and an ack, and emit the next one when the ack arrives.
func runEcho(ctx context.Context, cfg config) (*result, error) {
	addr, err := wsURL(cfg.url)
	if err != nil {
		return nil, err
	}
	s := &echoState{}
	ec := make([]*echoClient, cfg.clients)
	for i := range ec {
		ec[i] = &echoClient{}
	}
	clients, err := dialMany(ctx, addr, cfg.clients, 64, func(i int) func(*wsClient, []byte) { return s.onPacket(ec[i]) })
	if err != nil {
		return nil, err
	}
	defer closeAll(clients)
	for i, c := range clients {
		if err := ec[i].send(c); err != nil {
			return nil, err
		}
	}
	time.Sleep(cfg.warmup)
	s.warmNs.Store(now())
	m := startMeter(cfg.pid)
	time.Sleep(cfg.duration)
	acks := s.acks.Load()
	m.stop()
	s.stopped.Store(true)
	time.Sleep(200 * time.Millisecond) // let the echoes in flight finish
	// Stop reading: Poller.Close returns once no handler runs, so that the
	// clients' histograms can be read here.
	closePoller()

	res := newResult()
	res.metric("acks_per_s", float64(acks)/m.wall.Seconds())
	var lat histogram
	var corrupt uint64
	for _, e := range ec {
		lat.merge(&e.lat)
		corrupt += e.corrupt
	}
	res.latency(&lat)
	res.cpu(m)
	res.check("corrupt", corrupt)
	return res, nil
}
