package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/lxzan/gws"
)

// wsClient is one Socket.IO client over a WebSocket, connected to the main
// namespace. It answers the server's pings itself and hands each Socket.IO
// packet (without the Engine.IO "4" prefix) to onPacket, on the connection's
// read goroutine: the handler must not block.
type wsClient struct {
	conn     *gws.Conn
	onPacket func(c *wsClient, pkt []byte)
	ready    chan error
	state    atomic.Int32 // 0 connecting, 1 connected, 2 closed
	pings    atomic.Uint64
	closeErr atomic.Pointer[error]
}

var errClosed = errors.New("connection closed")

// wsURL turns http://host:port into the Engine.IO WebSocket URL.
func wsURL(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	u.Scheme = "ws"
	u.Path = "/socket.io/"
	u.RawQuery = "EIO=4&transport=websocket"
	return u.String(), nil
}

// dialWS connects a client and waits for the Socket.IO CONNECT to be
// acknowledged. src, when set, is the local IP to dial from (127.0.0.x), to
// spread many connections over more source ports.
func dialWS(ctx context.Context, addr string, src net.IP, onPacket func(*wsClient, []byte)) (*wsClient, error) {
	c := &wsClient{onPacket: onPacket, ready: make(chan error, 1)}
	opt := &gws.ClientOption{
		Addr:             addr,
		ReadBufferSize:   4096,
		WriteBufferSize:  1024,
		HandshakeTimeout: 10 * time.Second,
	}
	if src != nil {
		opt.NewDialer = func() (gws.Dialer, error) {
			return &net.Dialer{LocalAddr: &net.TCPAddr{IP: src}, Timeout: 10 * time.Second}, nil
		}
	}
	conn, _, err := gws.NewClient(c, opt)
	if err != nil {
		return nil, err
	}
	c.conn = conn
	go conn.ReadLoop()
	select {
	case err := <-c.ready:
		if err != nil {
			_ = conn.NetConn().Close()
			return nil, err
		}
		return c, nil
	case <-ctx.Done():
		_ = conn.NetConn().Close()
		return nil, ctx.Err()
	}
}

func (c *wsClient) send(frame []byte) error {
	return c.conn.WriteMessage(gws.OpcodeText, frame)
}

func (c *wsClient) close() {
	c.state.Store(2)
	_ = c.conn.NetConn().Close()
}

func (c *wsClient) alive() bool { return c.state.Load() == 1 }

func (c *wsClient) OnOpen(*gws.Conn)             {}
func (c *wsClient) OnPing(s *gws.Conn, p []byte) { _ = s.WritePong(p) }
func (c *wsClient) OnPong(*gws.Conn, []byte)     {}
func (c *wsClient) OnClose(_ *gws.Conn, err error) {
	if c.state.Swap(2) == 0 {
		c.ready <- fmt.Errorf("closed before connect: %w", err)
	}
	if err == nil {
		err = errClosed
	}
	c.closeErr.Store(&err)
}

func (c *wsClient) OnMessage(s *gws.Conn, msg *gws.Message) {
	defer msg.Close()
	b := msg.Bytes()
	if len(b) == 0 {
		return
	}
	switch b[0] {
	case '0': // Engine.IO open: connect to the main namespace.
		_ = s.WriteString("40")
	case '2': // Engine.IO ping
		c.pings.Add(1)
		_ = s.WriteString("3")
	case '4':
		pkt := b[1:]
		if c.state.Load() == 0 && len(pkt) > 0 {
			switch pkt[0] {
			case '0':
				c.state.Store(1)
				c.ready <- nil
			case '4':
				c.state.Store(2)
				c.ready <- fmt.Errorf("connect error: %s", pkt)
			}
			return
		}
		if c.onPacket != nil {
			c.onPacket(c, pkt)
		}
	}
}

// dialMany connects n clients, at most par at a time.
func dialMany(ctx context.Context, addr string, n, par int, onPacket func(i int) func(*wsClient, []byte)) ([]*wsClient, error) {
	clients := make([]*wsClient, n)
	sem := make(chan struct{}, par)
	errc := make(chan error, n)
	for i := range n {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			c, err := dialWS(ctx, addr, nil, onPacket(i))
			clients[i] = c
			errc <- err
		}()
	}
	var errs []error
	for range n {
		if err := <-errc; err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		closeAll(clients)
		return nil, fmt.Errorf("%d of %d connections failed: %w", len(errs), n, errs[0])
	}
	return clients, nil
}

func closeAll(clients []*wsClient) {
	for _, c := range clients {
		if c != nil {
			c.close()
		}
	}
}

// appendEvent appends the frame of event name with a string argument per arg
// and an optional ack id (0: none): 42[<id>]["name","a",...].
func appendEvent(dst []byte, id uint64, name string, args ...[]byte) []byte {
	dst = append(dst, "42"...)
	if id > 0 {
		dst = appendUint(dst, id)
	}
	dst = append(dst, `["`...)
	dst = append(dst, name...)
	dst = append(dst, '"')
	for _, a := range args {
		dst = append(dst, `,"`...)
		dst = append(dst, a...)
		dst = append(dst, '"')
	}
	return append(dst, ']')
}

func appendUint(dst []byte, v uint64) []byte {
	var tmp [20]byte
	i := len(tmp)
	for {
		i--
		tmp[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return append(dst, tmp[i:]...)
}
