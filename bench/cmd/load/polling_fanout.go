package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// runPollingFanout is the polling-fanout scenario: every client is a
// long-polling receiver of "broadcast", and client 0 also sends them at
// -rate per second (the fixture's io.emit, so every client of every node
// receives each). It measures deliveries/s and the latency from send to
// delivery, and checks that no receiver missed or repeated one. Through a
// balancer without affinity each GET and POST may reach another node than
// the session's, which then forwards it: the cost this scenario shows.
func runPollingFanout(ctx context.Context, cfg config) (*result, error) {
	tr := &http.Transport{MaxIdleConnsPerHost: 4 * cfg.clients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 60 * time.Second}
	var reqs atomic.Uint64
	pcs := make([]*pollClient, cfg.clients)
	for i := range pcs {
		pcs[i] = &pollClient{http: hc, reqs: &reqs}
		if err := pcs[i].open(ctx, cfg.url); err != nil {
			return nil, fmt.Errorf("polling open: %w", err)
		}
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	recv := make([]fanPollReceiver, len(pcs))
	var warmNs atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, len(pcs)+1)
	for i, p := range pcs {
		wg.Go(func() { errs[i] = recv[i].loop(runCtx, p, &warmNs) })
	}
	var sent atomic.Uint64
	var pong atomic.Bool
	sender := &pollClient{http: hc, reqs: &reqs}
	if err := sender.open(ctx, cfg.url); err != nil {
		return nil, fmt.Errorf("polling open: %w", err)
	}
	drain := &pollClient{http: hc, reqs: &reqs, url: sender.url}
	sendCtx, stopSending := context.WithCancel(runCtx)
	wg.Go(func() { errs[len(pcs)] = paceBroadcasts(sendCtx, sender, cfg.rate, &sent, &pong) })
	wg.Go(func() { drainPolls(runCtx, drain, &pong) })

	time.Sleep(cfg.warmup)
	warmNs.Store(now())
	m := startMeter(cfg.serverPIDs()...)
	time.Sleep(cfg.duration)
	m.stop()
	stopSending()
	total := sent.Load()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && !allSeen(recv, total) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	wg.Wait()

	res := newResult()
	var lat histogram
	var delivered, lost, dup uint64
	for i := range recv {
		r := &recv[i]
		r.mu.Lock()
		r.s.finish(total)
		lat.merge(&r.lat)
		delivered += r.measured
		lost += r.s.lost
		dup += r.s.dup
		r.mu.Unlock()
	}
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			res.errors = append(res.errors, err.Error())
		}
	}
	res.metric("deliveries_per_s", float64(delivered)/m.wall.Seconds())
	res.metric("requests_per_s", float64(reqs.Load())/m.wall.Seconds())
	res.latency(&lat)
	res.cpu(m)
	res.check("lost", lost)
	res.check("duplicates", dup)
	return res, nil
}

// fanPollReceiver counts one client's deliveries.
type fanPollReceiver struct {
	mu       sync.Mutex
	s        stream
	lat      histogram
	measured uint64 // deliveries sent after the warm-up
}

func (r *fanPollReceiver) loop(ctx context.Context, p *pollClient, warmNs *atomic.Int64) error {
	for ctx.Err() == nil {
		if p.pong {
			p.pong = false
			if _, err := p.do(ctx, http.MethodPost, []byte("3")); err != nil {
				return err
			}
		}
		body, err := p.do(ctx, http.MethodGet, nil)
		if err != nil {
			return err
		}
		for pkt := range bytes.SplitSeq(body, []byte{0x1e}) {
			switch {
			case len(pkt) == 1 && pkt[0] == '2':
				p.pong = true
			case len(pkt) == 1 && pkt[0] == '1':
				return errPollClosed
			default:
				r.deliver(pkt, warmNs.Load())
			}
		}
	}
	return ctx.Err()
}

func (r *fanPollReceiver) deliver(pkt []byte, warm int64) {
	if len(pkt) == 0 || pkt[0] != '4' {
		return
	}
	arg, ok := eventArg(pkt[1:], "broadcast")
	if !ok {
		return
	}
	seq, sent, _, err := parsePayload(arg)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.s.dup++ // counted as a failed check
		return
	}
	if r.s.observe(seq) && warm != 0 && sent >= warm {
		r.measured++
		r.lat.record(time.Duration(now() - sent))
	}
}

func allSeen(recv []fanPollReceiver, total uint64) bool {
	for i := range recv {
		recv[i].mu.Lock()
		next := recv[i].s.next
		recv[i].mu.Unlock()
		if next < total {
			return false
		}
	}
	return true
}

// drainPolls reads the sender's own session, which receives the
// broadcasts too, so that its queue does not fill; it asks for a pong in
// the sender's next POST (one POST at a time per session).
func drainPolls(ctx context.Context, p *pollClient, pong *atomic.Bool) {
	for ctx.Err() == nil {
		body, err := p.do(ctx, http.MethodGet, nil)
		if err != nil {
			return
		}
		for pkt := range bytes.SplitSeq(body, []byte{0x1e}) {
			if len(pkt) == 1 && pkt[0] == '2' {
				pong.Store(true)
			}
		}
	}
}

// paceBroadcasts POSTs one "broadcast" every 1/rate s on p's session, its
// own: the receivers' sessions each have one POST at a time already.
func paceBroadcasts(ctx context.Context, p *pollClient, rate float64, sent *atomic.Uint64, pong *atomic.Bool) error {
	t := time.NewTicker(time.Duration(float64(time.Second) / rate))
	defer t.Stop()
	var frame []byte
	for seq := uint64(0); ; seq++ {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		frame = frame[:0]
		if pong.Swap(false) {
			frame = append(frame, '3', 0x1e)
		}
		frame = append(frame, `42["broadcast","`...)
		frame = appendPayload(frame, seq, now(), 0)
		frame = append(frame, `"]`...)
		if _, err := p.do(ctx, http.MethodPost, frame); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		sent.Store(seq + 1)
	}
}
