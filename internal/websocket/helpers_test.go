//go:build linux

package websocket

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/duplexio/duplex/internal/testtime"
)

// wait is how long a test waits for something that should happen: long,
// because a loaded 2-core machine under -race is slow, and a passing test
// never waits that long.
const wait = testtime.Wait

type message struct {
	data   string
	binary bool
}

// recorder is a Handler that records what it gets and checks that its
// calls are never concurrent and none comes after OnClose.
type recorder struct {
	t      testing.TB
	inCall atomic.Bool

	mu       sync.Mutex
	msgs     []message
	pings    []string
	events   []string // "m:<data>", "p:<data>": the order of messages and pings
	closeErr error
	closes   int
	changed  chan struct{}

	onMessage func(data []byte) // optional hook, called first; set under mu
}

func newRecorder(t testing.TB) *recorder {
	return &recorder{t: t, changed: make(chan struct{}, 1)}
}

func (r *recorder) enter() {
	if !r.inCall.CompareAndSwap(false, true) {
		r.t.Error("concurrent Handler calls")
	}
}

func (r *recorder) leave() {
	r.inCall.Store(false)
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

func (r *recorder) OnMessage(data []byte, binary bool) {
	r.enter()
	defer r.leave()
	r.mu.Lock()
	hook := r.onMessage
	r.mu.Unlock()
	if hook != nil {
		hook(data)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closes > 0 {
		r.t.Error("OnMessage after OnClose")
	}
	r.msgs = append(r.msgs, message{string(data), binary})
	r.events = append(r.events, "m:"+string(data))
}

func (r *recorder) OnPing(payload []byte) {
	r.enter()
	defer r.leave()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pings = append(r.pings, string(payload))
	r.events = append(r.events, "p:"+string(payload))
}

func (r *recorder) OnClose(err error) {
	r.enter()
	defer r.leave()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closes++
	if r.closes > 1 {
		r.t.Errorf("OnClose called %d times (%v, then %v)", r.closes, r.closeErr, err)
		return
	}
	r.closeErr = err
}

// waitFor waits until cond, checked under r.mu, holds.
func (r *recorder) waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(wait)
	for {
		r.mu.Lock()
		ok := cond()
		r.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-r.changed:
		case <-time.After(10 * time.Millisecond):
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func (r *recorder) waitMessages(t testing.TB, n int) []message {
	t.Helper()
	r.waitFor(t, fmt.Sprintf("%d messages", n), func() bool { return len(r.msgs) >= n })
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]message(nil), r.msgs...)
}

func (r *recorder) waitClose(t testing.TB) error {
	t.Helper()
	r.waitFor(t, "OnClose", func() bool { return r.closes > 0 })
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closeErr
}

// server accepts WebSocket connections on loopback and adds them to a
// Poller. Its cleanup closes the Poller and checks that every connection
// got OnClose exactly once.
type server struct {
	p     *Poller
	ln    net.Listener
	addr  string
	conns chan *serverConn
	done  chan struct{}

	mu  sync.Mutex
	all []*serverConn
}

type serverConn struct {
	c  *PollConn
	nc net.Conn
	h  *recorder
}

func newServer(t testing.TB, opts Options) *server {
	t.Helper()
	p, err := NewPoller(opts)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &server{p: p, ln: ln, addr: ln.Addr().String(), conns: make(chan *serverConn, 10000), done: make(chan struct{})}
	go s.accept(t)
	t.Cleanup(func() {
		ln.Close()
		<-s.done
		if err := p.Close(); err != nil {
			t.Errorf("Poller.Close: %v", err)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, sc := range s.all {
			sc.h.mu.Lock()
			if sc.h.closes != 1 {
				t.Errorf("connection got OnClose %d times", sc.h.closes)
			}
			sc.h.mu.Unlock()
		}
		if n := p.Len(); n != 0 {
			t.Errorf("%d connections left after Close", n)
		}
	})
	return s
}

func (s *server) accept(t testing.TB) {
	defer close(s.done)
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			return
		}
		buffered, err := serverHandshake(nc)
		if err != nil {
			t.Errorf("handshake: %v", err)
			nc.Close()
			continue
		}
		h := newRecorder(t)
		c, err := s.p.Add(nc, h, ConnOptions{Buffered: buffered})
		if err != nil {
			t.Errorf("Add: %v", err)
			nc.Close()
			continue
		}
		sc := &serverConn{c: c, nc: nc, h: h}
		s.mu.Lock()
		s.all = append(s.all, sc)
		s.mu.Unlock()
		s.conns <- sc
	}
}

// next returns the next connection the server accepted.
func (s *server) next(t testing.TB) *serverConn {
	t.Helper()
	select {
	case sc := <-s.conns:
		return sc
	case <-time.After(wait):
		t.Fatal("timed out waiting for a connection")
		return nil
	}
}

// serverHandshake answers a WebSocket upgrade request and returns the
// bytes read past it.
func serverHandshake(nc net.Conn) ([]byte, error) {
	nc.SetDeadline(time.Now().Add(wait))
	defer nc.SetDeadline(time.Time{})
	br := bufio.NewReader(nc)
	req, err := http.ReadRequest(br)
	if err != nil {
		return nil, err
	}
	sum := sha1.Sum([]byte(req.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	_, err = fmt.Fprintf(nc, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
		base64.StdEncoding.EncodeToString(sum[:]))
	if err != nil {
		return nil, err
	}
	b, _ := br.Peek(br.Buffered())
	return bytes.Clone(b), nil
}

const upgradeRequest = "GET / HTTP/1.1\r\nHost: test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"

// dialRaw opens a connection, sends the upgrade request followed by
// early, and reads the response; the test then writes raw frames.
func dialRaw(t testing.TB, addr string, early []byte) net.Conn {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	if _, err := nc.Write(append([]byte(upgradeRequest), early...)); err != nil {
		t.Fatal(err)
	}
	nc.SetReadDeadline(time.Now().Add(wait))
	var resp []byte
	var b [1]byte
	for !bytes.HasSuffix(resp, []byte("\r\n\r\n")) {
		if _, err := nc.Read(b[:]); err != nil {
			t.Fatalf("reading the handshake response: %v", err)
		}
		resp = append(resp, b[0])
	}
	nc.SetReadDeadline(time.Time{})
	if !bytes.HasPrefix(resp, []byte("HTTP/1.1 101 ")) {
		t.Fatalf("handshake response %q", resp)
	}
	return nc
}

// frame builds a masked client frame: b0 holds FIN, RSV and the opcode.
func frame(b0 byte, payload string) []byte { return frameMask(b0, payload, true) }

func frameMask(b0 byte, payload string, masked bool) []byte {
	var b []byte
	b = append(b, b0)
	var m byte
	if masked {
		m = 0x80
	}
	switch n := len(payload); {
	case n < 126:
		b = append(b, m|byte(n))
	case n < 1<<16:
		b = append(b, m|126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, m|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	p := []byte(payload)
	if masked {
		key := [4]byte{0x12, 0x34, 0x56, 0x78}
		b = append(b, key[:]...)
		for i := range p {
			p[i] ^= key[i%4]
		}
	}
	return append(b, p...)
}

const (
	fin     = 0x80
	text    = fin | opText
	bin     = fin | opBinary
	ping    = fin | opPing
	closeOp = fin | opClose
)

func closePayload(code int, reason string) string {
	return string(binary.BigEndian.AppendUint16(nil, uint16(code))) + reason
}

// readClose reads what the server sent until it closed the connection
// and parses it as one close frame: its code (0 for an empty one) and
// reason.
func readClose(t testing.TB, nc net.Conn) (code int, reason string) {
	t.Helper()
	nc.SetReadDeadline(time.Now().Add(wait))
	b, err := io.ReadAll(nc)
	if err != nil && !errors.Is(err, net.ErrClosed) && !isReset(err) {
		t.Fatalf("reading the close frame: %v", err)
	}
	if len(b) < 2 || b[0] != 0x88 || int(b[1]) != len(b)-2 {
		t.Fatalf("want one close frame, got %x", b)
	}
	if len(b) == 2 {
		return 0, ""
	}
	return int(binary.BigEndian.Uint16(b[2:])), string(b[4:])
}

func isReset(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe) && oe.Op == "read"
}

func write(t testing.TB, nc net.Conn, b []byte) {
	t.Helper()
	if _, err := nc.Write(b); err != nil {
		t.Fatal(err)
	}
}

// tcpPair returns both ends of a new loopback TCP connection; the test's
// cleanup closes them.
func tcpPair(t testing.TB) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	server, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close() })
	return client, server
}
