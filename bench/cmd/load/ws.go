package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/duplexio/duplex/internal/websocket"
)

// wsClient is one Socket.IO client over a WebSocket, connected to the main
// namespace. Its frames are read by the process's websocket.Poller (client
// mode), not by a goroutine of its own. It answers the server's pings
// itself and hands each Socket.IO packet (without the Engine.IO "4"
// prefix) to onPacket, on a poller worker: the handler must not block nor
// keep pkt, which is only valid during the call.
type wsClient struct {
	nc       net.Conn
	wc       *websocket.PollConn // set once Add returned
	onPacket func(c *wsClient, pkt []byte)
	ready    chan error
	state    atomic.Int32 // 0 connecting, 1 connected, 2 closed
	pings    atomic.Uint64
	closeErr atomic.Pointer[error]

	wmu  sync.Mutex // serializes writes, the poller.s close frames included
	wbuf []byte     // the frame being written, under wmu
	mask [4]byte    // this connection's mask key
}

var errClosed = errors.New("connection closed")

// Messages a client answers with: Socket.IO CONNECT to the main namespace,
// Engine.IO pong.
var msgConnect, msgPong = []byte("40"), []byte("3")

// The process's poller, made on first use and closed by closePoller.
var (
	pollerMu sync.Mutex
	poller   *websocket.Poller
)

func getPoller() (*websocket.Poller, error) {
	pollerMu.Lock()
	defer pollerMu.Unlock()
	if poller == nil {
		p, err := websocket.NewPoller(websocket.Options{Client: true})
		if err != nil {
			return nil, err
		}
		poller = p
	}
	return poller, nil
}

// closePoller closes every WebSocket client of the process (each gets
// OnClose) and the poller; the next dial makes a new one.
func closePoller() {
	pollerMu.Lock()
	p := poller
	poller = nil
	pollerMu.Unlock()
	if p != nil {
		_ = p.Close()
	}
}

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

const handshakeTimeout = 10 * time.Second

// dialWS connects a client and waits for the Socket.IO CONNECT to be
// acknowledged. src, when set, is the local IP to dial from (127.0.0.x), to
// spread many connections over more source ports.
func dialWS(ctx context.Context, addr string, src net.IP, onPacket func(*wsClient, []byte)) (*wsClient, error) {
	u, err := url.Parse(addr)
	if err != nil {
		return nil, err
	}
	p, err := getPoller()
	if err != nil {
		return nil, err
	}
	d := net.Dialer{Timeout: handshakeTimeout}
	if src != nil {
		d.LocalAddr = &net.TCPAddr{IP: src}
	}
	nc, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return nil, err
	}
	buffered, err := handshake(nc, u)
	if err != nil {
		nc.Close()
		return nil, err
	}
	c := &wsClient{nc: nc, onPacket: onPacket, ready: make(chan error, 1)}
	if _, err := rand.Read(c.mask[:]); err != nil {
		nc.Close()
		return nil, err
	}
	// Messages may come (and be answered, on c.nc) before Add returns.
	wc, err := p.Add(nc, c, websocket.ConnOptions{WriteLock: &c.wmu, Buffered: buffered})
	if err != nil {
		nc.Close()
		return nil, err
	}
	c.wc = wc
	select {
	case err := <-c.ready:
		if err != nil {
			_ = wc.Close()
			return nil, err
		}
		return c, nil
	case <-ctx.Done():
		c.state.Store(2)
		_ = wc.Close()
		return nil, ctx.Err()
	}
}

// handshake upgrades nc to a WebSocket and returns the bytes read past the
// response (often the Engine.IO open packet's frame).
func handshake(nc net.Conn, u *url.URL) ([]byte, error) {
	if err := nc.SetDeadline(time.Now().Add(handshakeTimeout)); err != nil {
		return nil, err
	}
	var k [16]byte
	if _, err := rand.Read(k[:]); err != nil {
		return nil, err
	}
	key := base64.StdEncoding.EncodeToString(k[:])
	req := "GET " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host +
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " +
		key + "\r\n\r\n"
	if _, err := nc.Write([]byte(req)); err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(nc, 4096)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return nil, fmt.Errorf("handshake: %w", err)
	}
	resp.Body.Close() // none: a 1xx response has no body
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return nil, fmt.Errorf("handshake: status %s", resp.Status)
	}
	sum := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	if got := resp.Header.Get("Sec-WebSocket-Accept"); got != base64.StdEncoding.EncodeToString(sum[:]) {
		return nil, fmt.Errorf("handshake: bad Sec-WebSocket-Accept %q", got)
	}
	if err := nc.SetDeadline(time.Time{}); err != nil {
		return nil, err
	}
	b, _ := br.Peek(br.Buffered())
	return b, nil // Add copies it
}

// WebSocket opcodes written by the client.
const (
	opText = 0x1
	opPong = 0xA
)

func (c *wsClient) send(msg []byte) error { return c.write(opText, msg) }

// write writes one masked, unfragmented frame.
func (c *wsClient) write(op byte, payload []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	b := append(c.wbuf[:0], 0x80|op)
	switch n := len(payload); {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n < 1<<16:
		b = append(b, 0x80|126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, 0x80|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	b = append(b, c.mask[:]...)
	start := len(b)
	b = append(b, payload...)
	websocket.Mask(b[start:], c.mask)
	c.wbuf = b
	_, err := c.nc.Write(b)
	return err
}

func (c *wsClient) close() {
	c.state.Store(2)
	_ = c.wc.Close()
}

func (c *wsClient) alive() bool { return c.state.Load() == 1 }

// OnPing answers a WebSocket ping (the Engine.IO ping is a message).
func (c *wsClient) OnPing(p []byte) { _ = c.write(opPong, p) }

func (c *wsClient) OnClose(err error) {
	if c.state.Swap(2) == 0 {
		c.ready <- fmt.Errorf("closed before connect: %w", err)
	}
	if err == nil {
		err = errClosed
	}
	c.closeErr.Store(&err)
}

func (c *wsClient) OnMessage(b []byte, _ bool) {
	if len(b) == 0 {
		return
	}
	switch b[0] {
	case '0': // Engine.IO open: connect to the main namespace.
		_ = c.send(msgConnect)
	case '2': // Engine.IO ping
		c.pings.Add(1)
		_ = c.send(msgPong)
	case '4':
		pkt := b[1:]
		if c.state.Load() == 0 && len(pkt) > 0 {
			switch pkt[0] {
			case '0':
				if c.state.CompareAndSwap(0, 1) {
					c.ready <- nil
				}
			case '4':
				if c.state.CompareAndSwap(0, 2) {
					c.ready <- fmt.Errorf("connect error: %s", pkt)
				}
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
