package engineio

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/lxzan/gws"

	"github.com/duplexio/duplex/engineio/packet"
)

// wsTransport is a WebSocket: one Engine.IO packet per frame. Until it is
// handed over to the engine, the first packet it reads (the open packet,
// or the "3probe" of an upgrade) is held for awaitFirst and the read loop
// waits, so that nothing is read before the engine is ready for it.
type wsTransport struct {
	e    *Conn
	conn *gws.Conn
	buf  []byte // text frame buffer, used by one writer at a time

	first    chan packet.Packet // the first packet, before the handover
	released chan struct{}      // closed by handOver
	quit     chan struct{}      // closed by close
	ended    chan struct{}      // closed when the read loop has ended
	once     sync.Once

	mu   sync.Mutex
	sink func(packet.Packet) bool // the engine's, after the handover
}

var _ transport = (*wsTransport)(nil)

func (t *wsTransport) name() string { return TransportWebSocket }

// openWebSocket performs the handshake over WebSocket.
func (e *Conn) openWebSocket(ctx context.Context) error {
	t, err := dialWebSocket(ctx, e, "")
	if err != nil {
		return fmt.Errorf("engineio: websocket handshake: %w", err)
	}
	p, err := t.awaitFirst(ctx)
	if err == nil && p.Type != packet.Open {
		err = fmt.Errorf("first packet is %v, not open", p.Type)
	}
	if err == nil {
		err = e.start(t, p.Data)
	}
	if err != nil {
		t.close()
		return fmt.Errorf("engineio: websocket handshake: %w", err)
	}
	t.handOver(e.onPacket)
	return nil
}

// dialWebSocket opens a WebSocket for the engine, for session sid ("" for
// a new session), and starts its read loop.
func dialWebSocket(ctx context.Context, e *Conn, sid string) (*wsTransport, error) {
	t := &wsTransport{e: e, first: make(chan packet.Packet, 1),
		released: make(chan struct{}), quit: make(chan struct{}), ended: make(chan struct{})}
	u := wsURL(e.cfg.base, sid)
	nc, err := dialNet(ctx, u, e.cfg.tls)
	if err != nil {
		return nil, err
	}
	timeout := e.cfg.timeout
	if d, ok := ctx.Deadline(); ok {
		timeout = time.Until(d)
	}
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	conn, resp, err := gws.NewClientFromConn(t, &gws.ClientOption{
		Addr:               u.String(),
		RequestHeader:      e.cfg.wsHeader(),
		HandshakeTimeout:   timeout,
		ReadMaxPayloadSize: maxReadSize,
	}, nc)
	if !stop() {
		err = errors.Join(ctx.Err(), err)
	}
	if err != nil {
		nc.Close()
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			return nil, &HTTPError{StatusCode: resp.StatusCode}
		}
		return nil, err
	}
	t.conn = conn
	e.goTracked(conn.ReadLoop)
	return t, nil
}

// wsURL returns the WebSocket URL of the engine's base URL.
func wsURL(base *url.URL, sid string) *url.URL {
	u := *base
	u.Scheme = "ws"
	if base.Scheme == "https" {
		u.Scheme = "wss"
	}
	q := u.Query()
	q.Set("EIO", "4")
	q.Set("transport", TransportWebSocket)
	if sid != "" {
		q.Set("sid", sid)
	}
	u.RawQuery = q.Encode()
	return &u
}

// dialNet opens the TCP connection, and TLS over it for wss.
func dialNet(ctx context.Context, u *url.URL, cfg *tls.Config) (net.Conn, error) {
	host := u.Host
	secure := u.Scheme == "wss"
	if u.Port() == "" {
		port := "80"
		if secure {
			port = "443"
		}
		host = net.JoinHostPort(u.Hostname(), port)
	}
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", host)
	if err != nil || !secure {
		return nc, err
	}
	if cfg == nil {
		cfg = &tls.Config{}
	}
	cfg = cfg.Clone()
	if cfg.ServerName == "" {
		cfg.ServerName = u.Hostname()
	}
	tc := tls.Client(nc, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		nc.Close()
		return nil, err
	}
	return tc, nil
}

// wsHeader returns the headers of a WebSocket handshake: Options.Header
// and the cookies the HTTP client's jar holds for the server.
func (c *config) wsHeader() http.Header {
	h := c.header.Clone()
	if h == nil {
		h = http.Header{}
	}
	if c.http != nil && c.http.Jar != nil {
		r := &http.Request{Header: h}
		for _, ck := range c.http.Jar.Cookies(c.base) {
			r.AddCookie(ck)
		}
	}
	return h
}

// awaitFirst returns the first packet read, or an error when ctx ends or
// the connection does first.
func (t *wsTransport) awaitFirst(ctx context.Context) (packet.Packet, error) {
	select {
	case p := <-t.first:
		return p, nil
	case <-t.ended:
		return packet.Packet{}, errors.New("connection closed")
	case <-ctx.Done():
		return packet.Packet{}, ctx.Err()
	}
}

// handOver sends what is read from now on to sink, and lets the read loop
// go on.
func (t *wsTransport) handOver(sink func(packet.Packet) bool) {
	t.mu.Lock()
	t.sink = sink
	t.mu.Unlock()
	close(t.released)
}

// deliver passes a packet to the engine, or holds the first one until the
// handover.
func (t *wsTransport) deliver(p packet.Packet) bool {
	t.mu.Lock()
	sink := t.sink
	t.mu.Unlock()
	if sink != nil {
		return sink(p)
	}
	p.Data = bytes.Clone(p.Data)
	select {
	case t.first <- p:
	case <-t.quit:
		return false
	}
	select {
	case <-t.released:
		return true
	case <-t.quit:
		return false
	}
}

// write sends one frame per packet: binary packets as binary frames.
func (t *wsTransport) write(ctx context.Context, pkts []packet.Packet) error {
	if d, ok := ctx.Deadline(); ok {
		_ = t.conn.SetWriteDeadline(d)
	}
	for _, p := range pkts {
		var err error
		if p.Binary {
			err = t.conn.WriteMessage(gws.OpcodeBinary, p.Data)
		} else {
			t.buf = packet.AppendText(t.buf[:0], p)
			err = t.conn.WriteMessage(gws.OpcodeText, t.buf)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// writeText writes one text packet outside the engine's writer (the
// upgrade probe, while the writer is held).
func (t *wsTransport) writeText(s string) error {
	_ = t.conn.SetWriteDeadline(time.Now().Add(t.e.cfg.timeout))
	return t.conn.WriteString(s)
}

// close sends a close frame and closes the connection; the read loop ends.
func (t *wsTransport) close() {
	t.once.Do(func() {
		close(t.quit)
		if t.conn != nil {
			_ = t.conn.SetWriteDeadline(time.Now().Add(time.Second))
			_ = t.conn.WriteClose(1000, nil)
			_ = t.conn.NetConn().Close()
		}
	})
}

// gws.Event

func (t *wsTransport) OnOpen(*gws.Conn) {}

func (t *wsTransport) OnClose(_ *gws.Conn, err error) {
	close(t.ended)
	var ce *gws.CloseError
	if errors.As(err, &ce) && (ce.Code == 1000 || ce.Code == 1001) {
		err = nil // a normal close is no error
	}
	t.e.transportEnded(t, ReasonTransportClose, err)
}

func (t *wsTransport) OnPing(c *gws.Conn, payload []byte) { _ = c.WritePong(payload) }

func (t *wsTransport) OnPong(*gws.Conn, []byte) {}

func (t *wsTransport) OnMessage(c *gws.Conn, m *gws.Message) {
	p, err := packet.Decode(m.Bytes(), m.Opcode == gws.OpcodeBinary)
	if err != nil {
		t.e.transportFailed(t, err)
		t.close()
		return
	}
	if !t.deliver(p) {
		t.close()
	}
	// Whatever is kept was copied (the held first packet here, messages
	// by the decoder, ping data by the engine), so the buffer can go back
	// to gws's pool.
	_ = m.Close()
}
