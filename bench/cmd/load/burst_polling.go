package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// runPollingBurst is the burst scenario over HTTP long-polling, written the
// way the official client's polling transport writes: the events go out in
// POSTs of packets joined by the record separator, each POST under the
// handshake's maxPayload and the next one sent when the previous one is
// answered, while a GET is always waiting for what the server sends.
func runPollingBurst(ctx context.Context, cfg config) (*result, error) {
	tr := &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: cfg.burstTimeout + 30*time.Second}
	var reqs atomic.Uint64
	writer := &pollClient{http: hc, reqs: &reqs}
	if err := writer.open(ctx, cfg.url); err != nil {
		return nil, fmt.Errorf("polling open: %w", err)
	}
	reader := &pollClient{http: hc, reqs: &reqs, url: writer.url}
	t := newBurstTracker(cfg.events)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var postMu sync.Mutex // Engine.IO refuses overlapping POSTs
	post := func(body []byte) error {
		postMu.Lock()
		defer postMu.Unlock()
		_, err := writer.do(runCtx, http.MethodPost, body)
		return err
	}
	var wg sync.WaitGroup
	wg.Go(func() { pollReadLoop(runCtx, reader, t, post) })

	m := startMeter(cfg.pid)
	t.startNs = now()
	wg.Go(func() {
		err := postBurst(cfg.events, writer.maxPayload, post)
		t.sentNs.Store(now())
		if err != nil && runCtx.Err() == nil {
			t.disconnect("POST: " + err.Error())
		}
	})
	// The reader and the sender report a refused request or a close.
	werr := t.wait(cfg.burstTimeout, func() error { return nil })
	m.stop()
	time.Sleep(200 * time.Millisecond) // late duplicates
	cancel()
	wg.Wait()
	res := t.result(m, werr)
	res.metric("requests", float64(reqs.Load()))
	return res, nil
}

// postBurst POSTs the echoes 1..n in payloads of at most maxPayload bytes.
func postBurst(n, maxPayload int, post func([]byte) error) error {
	var body []byte
	err := burstFrames(n, func(frame []byte) error {
		if len(body) > 0 && len(body)+1+len(frame) > maxPayload {
			if err := post(body); err != nil {
				return err
			}
			body = body[:0]
		}
		if len(body) > 0 {
			body = append(body, 0x1e)
		}
		body = append(body, frame...)
		return nil
	})
	if err == nil && len(body) > 0 {
		err = post(body)
	}
	return err
}

// pollReadLoop GETs until ctx ends, hands each Socket.IO packet to t and
// answers pings; a close packet or a refused GET ends the session.
func pollReadLoop(ctx context.Context, p *pollClient, t *burstTracker, post func([]byte) error) {
	for ctx.Err() == nil {
		body, err := p.do(ctx, http.MethodGet, nil)
		if err != nil {
			if ctx.Err() == nil {
				t.disconnect("GET: " + err.Error())
			}
			return
		}
		for pkt := range bytes.SplitSeq(body, []byte{0x1e}) {
			switch {
			case len(pkt) == 1 && pkt[0] == '2':
				if err := post([]byte("3")); err != nil && ctx.Err() == nil {
					t.disconnect("pong: " + err.Error())
					return
				}
			case len(pkt) == 1 && pkt[0] == '1':
				t.disconnect("server sent an Engine.IO close")
				return
			case len(pkt) > 1 && pkt[0] == '4':
				t.onPacket(pkt[1:])
			}
		}
	}
}
