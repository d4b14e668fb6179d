package engineio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/duplexio/duplex/engineio/packet"
)

// pollingTransport is HTTP long-polling: one GET at a time waits for what
// the server has queued, one POST at a time carries what the client sends.
type pollingTransport struct {
	e      *Conn
	client *http.Client
	sid    string
	seq    atomic.Uint64 // cache-busting "t" parameter

	mu      sync.Mutex
	paused  bool          // an upgrade stops the polling
	current chan struct{} // the running poll loop's done channel, nil when none runs
	last    chan struct{} // the last poll loop's, closed once it has ended
}

var _ transport = (*pollingTransport)(nil)

func (t *pollingTransport) name() string { return TransportPolling }

// openPolling performs the handshake over polling, then starts the polls
// and, when the server offers it, the upgrade to WebSocket.
func (e *Conn) openPolling(ctx context.Context) error {
	t := &pollingTransport{e: e, client: e.cfg.http}
	pkts, err := t.get(ctx)
	if err != nil {
		return fmt.Errorf("engineio: polling handshake: %w", err)
	}
	if pkts[0].Type != packet.Open {
		return fmt.Errorf("engineio: polling handshake: first packet is %v, not open", pkts[0].Type)
	}
	if err := e.start(t, pkts[0].Data); err != nil {
		return err
	}
	t.sid = e.hs.SID
	t.startLoop(pkts[1:])
	if to := e.upgradeTarget(); to != "" {
		e.goTracked(func() { e.upgrade(to) })
	}
	return nil
}

// upgradeTarget is the first transport after polling in Config.Transports
// that the server offers to upgrade to, or "".
func (e *Conn) upgradeTarget() string {
	for _, t := range e.cfg.transports {
		if t != TransportPolling && slices.Contains(e.hs.Upgrades, t) {
			return t
		}
	}
	return ""
}

// startLoop starts polling, after handling the packets already received;
// a loop that still runs just goes on.
func (t *pollingTransport) startLoop(first []packet.Packet) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.paused = false
	if t.current != nil {
		return
	}
	done := make(chan struct{})
	t.current, t.last = done, done
	t.e.goTracked(func() { t.pollLoop(done, first) })
}

// pollLoop polls until the engine closes, the transport is paused or the
// server says close.
func (t *pollingTransport) pollLoop(done chan struct{}, first []packet.Packet) {
	defer t.loopEnded(done)
	e := t.e
	for _, p := range first {
		if !e.onPacket(p) {
			return
		}
	}
	for t.goOn(done) {
		pkts, err := t.get(e.ctx)
		if err != nil {
			if e.ctx.Err() == nil {
				e.transportFailed(t, err)
			}
			return
		}
		for _, p := range pkts {
			if !e.onPacket(p) {
				return
			}
		}
	}
}

// goOn reports whether the loop done polls again. A loop that stops is no
// longer current from then on, so that startLoop starts a new one.
func (t *pollingTransport) goOn(done chan struct{}) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.paused {
		return true
	}
	if t.current == done {
		t.current = nil
	}
	return false
}

func (t *pollingTransport) loopEnded(done chan struct{}) {
	t.mu.Lock()
	if t.current == done {
		t.current = nil
	}
	t.mu.Unlock()
	close(done)
}

// stop makes the poll loop end after the pending poll, if any.
func (t *pollingTransport) stop() {
	t.mu.Lock()
	t.paused = true
	t.mu.Unlock()
}

// wait waits for the poll loop to end after stop.
func (t *pollingTransport) wait(ctx context.Context) error {
	t.mu.Lock()
	done := t.last
	t.mu.Unlock()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// resume polls again after an upgrade that failed.
func (t *pollingTransport) resume() { t.startLoop(nil) }

// url returns the request URL: the base with the Engine.IO parameters.
func (t *pollingTransport) url() string {
	u := *t.e.cfg.base
	q := u.Query()
	q.Set("EIO", "4")
	q.Set("transport", TransportPolling)
	if t.sid != "" {
		q.Set("sid", t.sid)
	}
	q.Set("t", strconv.FormatUint(t.seq.Add(1), 36))
	u.RawQuery = q.Encode()
	return u.String()
}

// get polls once and decodes the payload.
func (t *pollingTransport) get(ctx context.Context) ([]packet.Packet, error) {
	body, err := t.do(ctx, http.MethodGet, nil)
	if err != nil {
		return nil, err
	}
	return packet.DecodePayload(body)
}

// write sends pkts in one POST.
func (t *pollingTransport) write(ctx context.Context, pkts []packet.Packet) error {
	_, err := t.do(ctx, http.MethodPost, packet.AppendPayload(nil, pkts))
	return err
}

// close has nothing to do: the engine's context ends the requests.
func (t *pollingTransport) close() {}

// do sends one request and returns the body of a 200 answer.
func (t *pollingTransport) do(ctx context.Context, method string, body []byte) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, t.url(), rd)
	if err != nil {
		return nil, err
	}
	for k, v := range t.e.cfg.header {
		req.Header[k] = slices.Clone(v)
	}
	if body != nil {
		req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	}
	resp, err := t.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, readHTTPError(resp)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxReadSize+1))
	if err == nil && len(data) > maxReadSize {
		err = errors.New("engineio: polling response too large")
	}
	return data, err
}

// readHTTPError turns an unexpected answer into an *HTTPError.
func readHTTPError(resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	return &HTTPError{StatusCode: resp.StatusCode, Body: string(bytes.TrimSpace(b))}
}
