package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// pollClient is one Socket.IO client over HTTP long-polling, doing echoes
// with ack in a loop: POST the echo, then GET until its ack arrives.
type pollClient struct {
	http    *http.Client
	url     string // with the sid
	pong    bool   // a ping arrived: send the pong with the next POST
	lat     histogram
	corrupt uint64
	reqs    *atomic.Uint64
	body    []byte
	// maxPayload is the handshake's maxPayload: the official client keeps
	// each POST under it (1,000,000 when the server gives none).
	maxPayload int
}

var errPollClosed = errors.New("polling session closed")

func (p *pollClient) do(ctx context.Context, method string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, p.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	}
	resp, err := p.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	p.body, err = appendAll(p.body[:0], resp.Body)
	p.reqs.Add(1)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s: %s", method, resp.Status, p.body)
	}
	return p.body, nil
}

func appendAll(dst []byte, r io.Reader) ([]byte, error) {
	for {
		if len(dst) == cap(dst) {
			dst = append(dst, 0)[:len(dst)]
		}
		n, err := r.Read(dst[len(dst):cap(dst)])
		dst = dst[:len(dst)+n]
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst, err
		}
	}
}

// open does the Engine.IO handshake and the Socket.IO CONNECT.
func (p *pollClient) open(ctx context.Context, base string) error {
	p.url = strings.TrimSuffix(base, "/") + "/socket.io/?EIO=4&transport=polling"
	body, err := p.do(ctx, http.MethodGet, nil)
	if err != nil {
		return err
	}
	_, rest, ok := bytes.Cut(body, []byte(`"sid":"`))
	sid, _, ok2 := bytes.Cut(rest, []byte(`"`))
	if len(body) == 0 || body[0] != '0' || !ok || !ok2 {
		return fmt.Errorf("bad open packet %q", body)
	}
	p.url += "&sid=" + string(sid)
	p.maxPayload = 1_000_000
	if _, rest, ok := bytes.Cut(body, []byte(`"maxPayload":`)); ok {
		if n, err := strconv.Atoi(string(rest[:len(rest)-len(bytes.TrimLeft(rest, "0123456789"))])); err == nil && n > 0 {
			p.maxPayload = n
		}
	}
	if _, err := p.do(ctx, http.MethodPost, []byte("40")); err != nil {
		return err
	}
	_, err = p.await(ctx, func(pkt []byte) bool { return bytes.HasPrefix(pkt, []byte("40")) })
	return err
}

// await GETs until a packet matches; it notes pings for the next POST.
func (p *pollClient) await(ctx context.Context, match func([]byte) bool) ([]byte, error) {
	for {
		body, err := p.do(ctx, http.MethodGet, nil)
		if err != nil {
			return nil, err
		}
		var found []byte
		for pkt := range bytes.SplitSeq(body, []byte{0x1e}) {
			switch {
			case len(pkt) == 1 && pkt[0] == '2':
				p.pong = true
			case len(pkt) == 1 && pkt[0] == '1':
				return nil, errPollClosed
			case match(pkt):
				found = pkt
			}
		}
		if found != nil {
			return found, nil
		}
	}
}

func (p *pollClient) loop(ctx context.Context, warmNs *atomic.Int64, acks *atomic.Uint64) error {
	var id uint64
	var frame, payload []byte
	for ctx.Err() == nil {
		id++
		sentNs := now()
		payload = appendPayload(payload[:0], id, sentNs, 0)
		frame = frame[:0]
		if p.pong {
			frame = append(frame, '3', 0x1e)
			p.pong = false
		}
		frame = appendEvent(frame, id, "echo", payload)
		if _, err := p.do(ctx, http.MethodPost, frame); err != nil {
			return err
		}
		pkt, err := p.await(ctx, func(pkt []byte) bool { return len(pkt) > 1 && pkt[0] == '4' && pkt[1] == '3' })
		if err != nil {
			return err
		}
		aid, arg, ok := ackArg(pkt[1:])
		seq, sent, _, perr := parsePayload(arg)
		if !ok || aid != id || perr != nil || seq != id || sent != sentNs {
			p.corrupt++
		}
		if w := warmNs.Load(); w != 0 && sentNs >= w {
			p.lat.record(time.Duration(now() - sentNs))
			acks.Add(1)
		}
	}
	return nil
}

// runPolling is the polling-echo scenario: echo with ack over long-polling.
func runPolling(ctx context.Context, cfg config) (*result, error) {
	tr := &http.Transport{MaxIdleConnsPerHost: 4 * cfg.clients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 60 * time.Second}
	var reqs, acks atomic.Uint64
	var warmNs atomic.Int64
	pcs := make([]*pollClient, cfg.clients)
	for i := range pcs {
		pcs[i] = &pollClient{http: hc, reqs: &reqs}
		if err := pcs[i].open(ctx, cfg.url); err != nil {
			return nil, fmt.Errorf("polling open: %w", err)
		}
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, len(pcs))
	for i, p := range pcs {
		wg.Go(func() { errs[i] = p.loop(runCtx, &warmNs, &acks) })
	}
	time.Sleep(cfg.warmup)
	warmNs.Store(now())
	r0 := reqs.Load()
	m := startMeter(cfg.serverPIDs()...)
	time.Sleep(cfg.duration)
	r1, a1 := reqs.Load(), acks.Load()
	m.stop()
	cancel()
	wg.Wait()

	res := newResult()
	res.metric("requests_per_s", float64(r1-r0)/m.wall.Seconds())
	res.metric("acks_per_s", float64(a1)/m.wall.Seconds())
	var lat histogram
	var corrupt uint64
	for i, p := range pcs {
		lat.merge(&p.lat)
		corrupt += p.corrupt
		if errs[i] != nil && !errors.Is(errs[i], context.Canceled) {
			res.errors = append(res.errors, errs[i].Error())
		}
	}
	res.latency(&lat)
	res.cpu(m)
	res.check("corrupt", corrupt)
	return res, nil
}
