// Package eiotest is a raw Engine.IO v4 client for tests: it speaks the
// protocol packet by packet over HTTP long-polling or WebSocket, can upgrade
// from one to the other, and decodes Socket.IO packets on top (SIO).
//
// Unlike a real client it never hides what the server sends: every packet
// but the pings it answers (and the noop that ends polling during an
// upgrade) is returned by Recv, in the order it arrived.
package eiotest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lxzan/gws"

	"github.com/duplexio/duplex/engineio/packet"
)

// DefaultTimeout bounds what the harness waits for on its own behalf: a
// handshake, a POST, each step of an upgrade. It is generous, for loaded
// machines and the race detector.
var DefaultTimeout = 10 * time.Second

var (
	// ErrClosed is returned by Recv once the connection has ended and every
	// packet received before was returned.
	ErrClosed = errors.New("eiotest: connection closed")
	// ErrTimeout is wrapped by the error of a Recv that waited in vain.
	ErrTimeout = errors.New("eiotest: timeout")
)

// HTTPError is a request the server answered with an unexpected status.
type HTTPError struct {
	Status int
	Header http.Header
	Body   string
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("eiotest: HTTP %d: %s", e.Status, e.Body)
}

func readHTTPError(resp *http.Response) *HTTPError {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	_ = resp.Body.Close()
	return &HTTPError{Status: resp.StatusCode, Header: resp.Header, Body: string(body)}
}

// Options configure a Conn.
type Options struct {
	// Transport is "polling" (the default) or "websocket".
	Transport string
	// Path is where the server is mounted (default "/engine.io/").
	Path string
	// Query is added to every request; its values replace the defaults
	// (EIO=4, transport, sid), which lets a test send a wrong one.
	Query url.Values
	// Header is sent with every request.
	Header http.Header
	// NoAutoPong leaves pings to the test: Recv returns them.
	NoAutoPong bool
}

// Conn is a raw Engine.IO v4 client for tests, over polling or websocket.
// Its methods are safe for concurrent use, though a test normally has one
// goroutine calling Recv.
type Conn struct {
	opts   Options
	base   string // http://host/path/, no query
	sid    string
	open   map[string]any
	client *http.Client

	ctx    context.Context // canceled by Close
	cancel context.CancelFunc
	postMu sync.Mutex // the server closes a session on overlapping POSTs

	in       chan packet.Packet
	done     chan struct{} // closed when the server ended the connection
	endOnce  sync.Once
	endErr   error // why; set before done is closed
	wg       sync.WaitGroup
	closing  sync.Once
	pollDone chan struct{} // closed when the poll loop has returned

	mu      sync.Mutex
	ws      *gws.Conn   // the WebSocket carrying the session; nil while polling
	probes  []*gws.Conn // WebSockets opened by Upgrade, closed by Close
	probing bool        // an upgrade is under way: a noop on the poll ends polling
}

// Dial does the handshake (polling: GET; websocket: direct connection) and
// reads the OPEN packet; t.Cleanup closes the connection. It fails the test
// on error.
func Dial(t testing.TB, baseURL string, o Options) *Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
	defer cancel()
	c, err := DialContext(ctx, baseURL, o)
	if err != nil {
		t.Fatalf("eiotest.Dial(%s, %s): %v", baseURL, o.Transport, err)
	}
	t.Cleanup(c.Close)
	return c
}

// DialContext is Dial for tests that expect the handshake to fail: a refusal
// is an *HTTPError. The caller closes the Conn.
func DialContext(ctx context.Context, baseURL string, o Options) (*Conn, error) {
	if o.Transport == "" {
		o.Transport = "polling"
	}
	if o.Path == "" {
		o.Path = "/engine.io/"
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	c := &Conn{
		opts:     o,
		base:     strings.TrimSuffix(baseURL, "/") + o.Path,
		client:   &http.Client{Transport: tr},
		in:       make(chan packet.Packet, 4096),
		done:     make(chan struct{}),
		pollDone: make(chan struct{}),
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	var err error
	switch o.Transport {
	case "polling":
		err = c.handshakePolling(ctx)
	case "websocket":
		close(c.pollDone)
		err = c.handshakeWebSocket(ctx)
	default:
		err = fmt.Errorf("eiotest: unknown transport %q", o.Transport)
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// SID returns the session id from the OPEN packet.
func (c *Conn) SID() string { return c.sid }

// Open returns the decoded OPEN payload.
func (c *Conn) Open() map[string]any { return c.open }

// Transport names the transport in use: "polling" until Upgrade completes.
func (c *Conn) Transport() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ws != nil {
		return "websocket"
	}
	return "polling"
}

// URL returns the address of a request on this session over transport
// (ws:// for "websocket"), sid included: for raw requests in tests.
func (c *Conn) URL(transport string) string {
	q := url.Values{"EIO": {"4"}, "transport": {transport}}
	if c.sid != "" {
		q.Set("sid", c.sid)
	}
	for k, v := range c.opts.Query {
		q[k] = v
	}
	u := c.base + "?" + q.Encode()
	if transport == "websocket" {
		u = "ws" + strings.TrimPrefix(u, "http")
	}
	return u
}

func (c *Conn) setOpen(data []byte) error {
	var open map[string]any
	if err := json.Unmarshal(data, &open); err != nil {
		return fmt.Errorf("eiotest: OPEN payload %q: %w", data, err)
	}
	c.sid, _ = open["sid"].(string)
	c.open = open
	return nil
}

// Send sends packets: polling, one POST with the payload; websocket, one
// frame each (binary packets as binary frames).
func (c *Conn) Send(p ...packet.Packet) error {
	c.mu.Lock()
	ws := c.ws
	c.mu.Unlock()
	if ws == nil {
		return c.post(packet.AppendPayload(nil, p))
	}
	for _, pk := range p {
		var err error
		if pk.Binary {
			err = ws.WriteMessage(gws.OpcodeBinary, pk.Data)
		} else {
			err = ws.WriteMessage(gws.OpcodeText, packet.AppendText(nil, pk))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// SendText sends a Message packet with text s.
func (c *Conn) SendText(s string) error {
	return c.Send(packet.Packet{Type: packet.Message, Data: []byte(s)})
}

// Recv returns the next packet other than ping (pings are answered with
// pong unless NoAutoPong; then they are returned too). It returns ErrClosed
// once the connection has ended and every earlier packet was returned, and
// an error wrapping ErrTimeout after d.
func (c *Conn) Recv(d time.Duration) (packet.Packet, error) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case p := <-c.in:
		return p, nil
	case <-c.done:
	case <-c.ctx.Done():
	case <-timer.C:
		return packet.Packet{}, fmt.Errorf("%w: no packet after %v", ErrTimeout, d)
	}
	// Everything delivered before the end is in c.in by now.
	select {
	case p := <-c.in:
		return p, nil
	default:
		return packet.Packet{}, ErrClosed
	}
}

// Closed is closed when the server ended the connection (polling: a close
// packet or an HTTP error; websocket: a close frame or EOF).
func (c *Conn) Closed() <-chan struct{} { return c.done }

// Err returns why the connection ended: nil after a close packet, the HTTP
// or WebSocket error otherwise. Valid once Closed is closed.
func (c *Conn) Err() error {
	<-c.done
	return c.endErr
}

// Close closes the transport (WebSocket close / stop polling) without
// sending a close packet, and waits for the harness goroutines to end.
func (c *Conn) Close() {
	c.closing.Do(func() {
		c.cancel() // aborts a pending poll and unblocks deliveries
		c.mu.Lock()
		conns := append([]*gws.Conn(nil), c.probes...)
		if c.ws != nil && !slices.Contains(conns, c.ws) {
			conns = append(conns, c.ws)
		}
		c.mu.Unlock()
		for _, ws := range conns {
			_ = ws.SetWriteDeadline(time.Now().Add(time.Second))
			_ = ws.WriteClose(1000, nil)
			_ = ws.NetConn().Close()
		}
		c.wg.Wait()
		c.client.CloseIdleConnections()
	})
}

func (c *Conn) end(err error) {
	c.endOnce.Do(func() {
		c.endErr = err
		close(c.done)
	})
}

func (c *Conn) deliver(p packet.Packet) {
	select {
	case c.in <- p:
	case <-c.ctx.Done():
	}
}

// onWSFrame handles a frame of the WebSocket carrying the session.
func (c *Conn) onWSFrame(f Frame) {
	p, err := packet.Decode(f.Data, f.Binary)
	if err != nil {
		c.end(fmt.Errorf("eiotest: undecodable frame %q: %w", f.Data, err))
		return
	}
	if p.Type == packet.Ping && !c.opts.NoAutoPong {
		_ = c.Send(packet.Packet{Type: packet.Pong, Data: p.Data})
		return
	}
	c.deliver(p)
}

func (c *Conn) handshakeWebSocket(ctx context.Context) error {
	ws, err := dialGWS(ctx, c.URL("websocket"), c.opts.Header, &wsHandler{
		onFrame: c.onWSFrame,
		onClose: c.end,
	})
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.ws = ws
	c.mu.Unlock()
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		ws.ReadLoop()
	}()
	d := DefaultTimeout
	if deadline, ok := ctx.Deadline(); ok {
		d = time.Until(deadline)
	}
	p, err := c.Recv(d)
	if err != nil {
		return fmt.Errorf("eiotest: waiting for OPEN: %w", err)
	}
	if p.Type != packet.Open {
		return fmt.Errorf("eiotest: first packet %v %q, want open", p.Type, p.Data)
	}
	return c.setOpen(p.Data)
}
