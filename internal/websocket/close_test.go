//go:build linux

package websocket

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lxzan/gws"
)

// TestFailures sends frames the poller must reject, and checks the close
// frame it answers with and the error OnClose gets.
func TestFailures(t *testing.T) {
	const limit = 1000
	at := strings.Repeat("a", limit)
	tests := []struct {
		name   string
		frames [][]byte
		code   int
		want   *FrameError
		before int // messages delivered before the failure
	}{
		{"unmasked", [][]byte{frameMask(text, "hi", false)}, 1002, errUnmasked, 0},
		{"rsv1", [][]byte{frame(text|0x40, "hi")}, 1002, errRSV, 0},
		{"rsv3", [][]byte{frame(text|0x10, "hi")}, 1002, errRSV, 0},
		{"opcode 3", [][]byte{frame(fin|3, "hi")}, 1002, errOpcode, 0},
		{"opcode 11", [][]byte{frame(fin|11, "")}, 1002, errOpcode, 0},
		{"fragmented ping", [][]byte{frame(opPing, "hi")}, 1002, errFragControl, 0},
		{"ping over 125", [][]byte{frame(ping, strings.Repeat("p", 126))}, 1002, errLongControl, 0},
		{"close over 125", [][]byte{frame(closeOp, closePayload(1000, strings.Repeat("r", 124)))}, 1002, errLongControl, 0},
		{"continuation first", [][]byte{frame(fin|opContinuation, "hi")}, 1002, errContinuation, 0},
		{"text inside fragmented", [][]byte{frame(opText, "a"), frame(text, "b")}, 1002, errExpectContinue, 0},
		{"close of 1 byte", [][]byte{frame(closeOp, "x")}, 1002, errCloseLen, 0},
		{"close code 1005", [][]byte{frame(closeOp, closePayload(1005, ""))}, 1002, errCloseCode, 0},
		{"close code 999", [][]byte{frame(closeOp, closePayload(999, ""))}, 1002, errCloseCode, 0},
		{"close code 2000", [][]byte{frame(closeOp, closePayload(2000, ""))}, 1002, errCloseCode, 0},
		{"close code 5000", [][]byte{frame(closeOp, closePayload(5000, ""))}, 1002, errCloseCode, 0},
		{"64-bit length MSB", [][]byte{{0x81, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}}, 1002, errLength, 0},
		{"bad utf-8", [][]byte{frame(text, "ok"), frame(text, "\xff\xfe")}, 1007, errUTF8, 1},
		{"bad utf-8 fragmented", [][]byte{frame(opText, "\xc3"), frame(fin|opContinuation, "x")}, 1007, errUTF8, 0},
		{"bad utf-8 close reason", [][]byte{frame(closeOp, closePayload(1000, "\xff"))}, 1007, errCloseUTF8, 0},
		{"limit+1 by header", [][]byte{frame(text, at), frame(text, at+"a")}, 1009, errTooBig, 1},
		// The header alone fails it: no payload follows.
		{"huge by header", [][]byte{{0x82, 0xFF, 0, 0, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4}}, 1009, errTooBig, 0},
		{"limit+1 by fragments", [][]byte{frame(opText, at[:500]), frame(opContinuation, at[:500]), frame(fin|opContinuation, "a")}, 1009, errTooBig, 0},
		{"message before failure", [][]byte{frame(bin, "x"), frame(fin|3, "")}, 1002, errOpcode, 1},
	}
	s := newServer(t, Options{MaxPayload: limit})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nc := dialRaw(t, s.addr, nil)
			sc := s.next(t)
			for _, f := range tt.frames {
				write(t, nc, f)
			}
			code, reason := readClose(t, nc)
			if code != tt.code || reason != tt.want.Text {
				t.Errorf("close frame %d %q, want %d %q", code, reason, tt.code, tt.want.Text)
			}
			err := sc.h.waitClose(t)
			var fe *FrameError
			if !errors.As(err, &fe) || fe.Code != tt.code || err != tt.want {
				t.Errorf("OnClose(%v), want %v", err, tt.want)
			}
			sc.h.mu.Lock()
			defer sc.h.mu.Unlock()
			if len(sc.h.msgs) != tt.before {
				t.Errorf("%d messages before the failure, want %d", len(sc.h.msgs), tt.before)
			}
		})
	}
}

func TestMaxPayloadExactly(t *testing.T) {
	const limit = 1000
	at := strings.Repeat("a", limit)
	s := newServer(t, Options{MaxPayload: limit})
	nc := dialRaw(t, s.addr, nil)
	sc := s.next(t)
	write(t, nc, frame(text, at))
	write(t, nc, frame(opBinary, at[:400]))
	write(t, nc, frame(opContinuation, at[:400]))
	write(t, nc, frame(ping, "between"))
	write(t, nc, frame(fin|opContinuation, at[:200]))
	got := sc.h.waitMessages(t, 2)
	if got[0].data != at || got[1].data != at || !got[1].binary {
		t.Errorf("got %d and %d bytes", len(got[0].data), len(got[1].data))
	}
}

func TestPeerCloseEchoed(t *testing.T) {
	s := newServer(t, Options{})
	c, ch := dialGWS(t, s.addr)
	sc := s.next(t)
	if err := c.WriteString("last"); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteClose(4001, []byte("bye")); err != nil {
		t.Fatal(err)
	}
	err := sc.h.waitClose(t)
	var ce *CloseError
	if !errors.As(err, &ce) || ce.Code != 4001 || ce.Reason != "bye" {
		t.Errorf("OnClose(%v), want *CloseError 4001 bye", err)
	}
	if msgs := sc.h.waitMessages(t, 1); msgs[0].data != "last" {
		t.Errorf("messages %+v", msgs)
	}
	select {
	case err := <-ch.closed:
		// gws reports the echo of its own close as its status code type.
		var gce *gws.CloseError
		var status interface{ Uint16() uint16 }
		if !(errors.As(err, &gce) && gce.Code == 4001) && !(errors.As(err, &status) && status.Uint16() == 4001) {
			t.Errorf("client got %#v, want the close code 4001 echoed", err)
		}
	case <-time.After(wait):
		t.Fatal("client saw no close")
	}
}

func TestPeerCloseRaw(t *testing.T) {
	s := newServer(t, Options{})
	t.Run("with code", func(t *testing.T) {
		nc := dialRaw(t, s.addr, nil)
		sc := s.next(t)
		write(t, nc, frame(closeOp, closePayload(1000, "done")))
		if code, reason := readClose(t, nc); code != 1000 || reason != "" {
			t.Errorf("close frame %d %q, want 1000", code, reason)
		}
		var ce *CloseError
		if err := sc.h.waitClose(t); !errors.As(err, &ce) || *ce != (CloseError{1000, "done"}) {
			t.Errorf("OnClose(%v)", err)
		}
	})
	t.Run("empty", func(t *testing.T) {
		nc := dialRaw(t, s.addr, nil)
		sc := s.next(t)
		write(t, nc, frame(closeOp, ""))
		if code, _ := readClose(t, nc); code != 0 {
			t.Errorf("close frame code %d, want an empty one", code)
		}
		var ce *CloseError
		if err := sc.h.waitClose(t); !errors.As(err, &ce) || ce.Code != CodeNoStatus {
			t.Errorf("OnClose(%v)", err)
		}
	})
}

func TestTCPClose(t *testing.T) {
	s := newServer(t, Options{})
	t.Run("between messages", func(t *testing.T) {
		nc := dialRaw(t, s.addr, nil)
		sc := s.next(t)
		write(t, nc, frame(text, "x"))
		nc.Close()
		if err := sc.h.waitClose(t); err != io.EOF {
			t.Errorf("OnClose(%v), want io.EOF", err)
		}
		if len(sc.h.waitMessages(t, 1)) != 1 {
			t.Error("message lost")
		}
	})
	for name, b := range map[string][]byte{
		"inside a frame":   frame(text, "hello")[:5],
		"inside a message": frame(opText, "hel"),
	} {
		t.Run(name, func(t *testing.T) {
			nc := dialRaw(t, s.addr, nil)
			sc := s.next(t)
			write(t, nc, b)
			time.Sleep(10 * time.Millisecond)
			nc.Close()
			if err := sc.h.waitClose(t); err != io.ErrUnexpectedEOF {
				t.Errorf("OnClose(%v), want io.ErrUnexpectedEOF", err)
			}
		})
	}
}

// TestCloseWhileReading closes a connection from another goroutine while
// its worker is inside OnMessage: OnClose must come after that call
// returns, once, and no message after it.
func TestCloseWhileReading(t *testing.T) {
	s := newServer(t, Options{})
	nc := dialRaw(t, s.addr, nil)
	sc := s.next(t)
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	sc.h.mu.Lock()
	sc.h.onMessage = func([]byte) {
		once.Do(func() { close(entered); <-release })
	}
	sc.h.mu.Unlock()
	var b []byte
	for range 100 {
		b = append(b, frame(text, "m")...)
	}
	write(t, nc, b)
	<-entered
	if err := sc.c.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := sc.c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	sc.h.mu.Lock()
	if sc.h.closes != 0 {
		t.Error("OnClose during OnMessage")
	}
	sc.h.mu.Unlock()
	// The socket is closed at once for the caller: writes fail.
	if _, err := sc.nc.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Errorf("write after Close: %v", err)
	}
	close(release)
	if err := sc.h.waitClose(t); !errors.Is(err, net.ErrClosed) {
		t.Errorf("OnClose(%v), want net.ErrClosed", err)
	}
	if n := len(sc.h.waitMessages(t, 1)); n != 1 {
		t.Errorf("%d messages after Close, want just the one being delivered", n)
	}
}

func TestCloseFromHandler(t *testing.T) {
	s := newServer(t, Options{})
	nc := dialRaw(t, s.addr, nil)
	sc := s.next(t)
	sc.h.mu.Lock()
	sc.h.onMessage = func(data []byte) {
		if string(data) == "stop" {
			sc.c.Close()
		}
	}
	sc.h.mu.Unlock()
	write(t, nc, append(append(frame(text, "a"), frame(text, "stop")...), frame(text, "never")...))
	if err := sc.h.waitClose(t); !errors.Is(err, net.ErrClosed) {
		t.Errorf("OnClose(%v)", err)
	}
	if msgs := sc.h.waitMessages(t, 2); len(msgs) != 2 {
		t.Errorf("messages %+v", msgs)
	}
}

func TestCloseIdle(t *testing.T) {
	s := newServer(t, Options{})
	nc := dialRaw(t, s.addr, nil)
	sc := s.next(t)
	sc.c.Close()
	// OnClose has run before Close returned.
	sc.h.mu.Lock()
	if sc.h.closes != 1 || !errors.Is(sc.h.closeErr, net.ErrClosed) {
		t.Errorf("after Close: %d OnClose, %v", sc.h.closes, sc.h.closeErr)
	}
	sc.h.mu.Unlock()
	nc.SetReadDeadline(time.Now().Add(wait))
	if _, err := nc.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("client read %v, want EOF", err)
	}
}

// TestNetConnClosedDirectly closes the net.Conn behind the poller's back: the
// kernel drops it from epoll, and Poller.Close still reports it once.
func TestNetConnClosedDirectly(t *testing.T) {
	s := newServer(t, Options{})
	nc := dialRaw(t, s.addr, nil)
	sc := s.next(t)
	sc.nc.Close()
	nc.Write(frame(text, "lost"))
	// A new connection may get the same fd number: it must work.
	nc2 := dialRaw(t, s.addr, nil)
	sc2 := s.next(t)
	write(t, nc2, frame(text, "fine"))
	if msgs := sc2.h.waitMessages(t, 1); msgs[0].data != "fine" {
		t.Errorf("messages %+v", msgs)
	}
	s.p.Close()
	if err := sc.h.waitClose(t); !errors.Is(err, net.ErrClosed) {
		t.Errorf("OnClose(%v)", err)
	}
}

func TestPollerClose(t *testing.T) {
	p, err := NewPoller(Options{})
	if err != nil {
		t.Fatal(err)
	}
	var recs []*recorder
	for i := range 20 {
		client, server := tcpPair(t)
		h := newRecorder(t)
		if _, err := p.Add(server, h, ConnOptions{}); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, h)
		if i%2 == 0 {
			write(t, client, frame(text, "msg")[:4]) // a partial frame
		}
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	for i, h := range recs {
		if h.closes != 1 || !errors.Is(h.closeErr, net.ErrClosed) {
			t.Errorf("conn %d: %d OnClose, %v", i, h.closes, h.closeErr)
		}
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	server, client := net.Pipe()
	defer server.Close()
	defer client.Close()
	if _, err := p.Add(server, newRecorder(t), ConnOptions{}); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Add(net.Pipe) after Close: %v", err)
	}
}

func TestAddAfterClose(t *testing.T) {
	p, err := NewPoller(Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, server := tcpPair(t)
	p.Close()
	if _, err := p.Add(server, newRecorder(t), ConnOptions{}); err != ErrPollerClosed {
		t.Errorf("Add after Close: %v", err)
	}
}

func TestAddUnsupported(t *testing.T) {
	s := newServer(t, Options{})
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	tc := tls.Server(a, &tls.Config{})
	for _, nc := range []net.Conn{a, tc} {
		if _, err := s.p.Add(nc, newRecorder(t), ConnOptions{}); !errors.Is(err, errors.ErrUnsupported) {
			t.Errorf("Add(%T): %v, want errors.ErrUnsupported", nc, err)
		}
	}
	// A UDP socket implements syscall.Conn but is no byte stream.
	uc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer uc.Close()
	if _, err := s.p.Add(uc.(net.Conn), newRecorder(t), ConnOptions{}); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Add(UDP): %v, want errors.ErrUnsupported", err)
	}
}

// TestCloseFrameUnderWriteLock checks that the close frame the poller writes
// waits for the caller's write lock.
func TestCloseFrameUnderWriteLock(t *testing.T) {
	p, err := NewPoller(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	// The client sends its bad frame once Add has returned: sent before,
	// it may be read (and the connection failed) by Add itself, on this
	// goroutine holding the lock.
	added := make(chan struct{})
	go func() {
		defer close(added)
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		serverHandshake(nc)
		var mu sync.Mutex
		h := newRecorder(t)
		mu.Lock()
		if _, err := p.Add(nc, h, ConnOptions{WriteLock: &mu}); err != nil {
			t.Error(err)
			nc.Close()
			mu.Unlock()
			return
		}
		added <- struct{}{}
		// The caller writes a frame of its own, slowly, holding the lock.
		nc.Write([]byte{0x81, 2})
		time.Sleep(100 * time.Millisecond)
		nc.Write([]byte("ok"))
		mu.Unlock()
	}()
	nc := dialRaw(t, ln.Addr().String(), nil)
	<-added
	write(t, nc, frame(fin|3, ""))
	nc.SetReadDeadline(time.Now().Add(wait))
	b, _ := io.ReadAll(nc)
	if string(b[:4]) != "\x81\x02ok" || b[4] != 0x88 {
		t.Errorf("got %q, want the caller's frame then the close frame", b)
	}
}
