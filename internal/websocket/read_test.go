//go:build linux

package websocket

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lxzan/gws"
)

// gwsClient is a client Event handler that records the close it gets.
type gwsClient struct {
	gws.BuiltinEventHandler
	closed chan error
}

func (g *gwsClient) OnClose(_ *gws.Conn, err error) { g.closed <- err }

// dialGWS opens a gws client connection; its read loop runs until the
// connection closes, which the test cleanup waits for.
func dialGWS(t testing.TB, addr string) (*gws.Conn, *gwsClient) {
	t.Helper()
	h := &gwsClient{closed: make(chan error, 1)}
	c, _, err := gws.NewClient(h, &gws.ClientOption{Addr: "ws://" + addr})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); c.ReadLoop() }()
	t.Cleanup(func() {
		c.NetConn().Close()
		<-done
	})
	return c, h
}

func TestMessagesInOrderAcrossConnections(t *testing.T) {
	s := newServer(t, Options{})
	const conns, msgs = 20, 300
	clients := make([]*gws.Conn, conns)
	servers := make([]*serverConn, conns)
	for i := range conns {
		clients[i], _ = dialGWS(t, s.addr)
		servers[i] = s.next(t)
	}
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Go(func() {
			for j := range msgs {
				if err := c.WriteString(fmt.Sprintf("%d-%d", i, j)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	// Each client dialed and was accepted in order, so servers[i] reads
	// clients[i].
	for i, sc := range servers {
		got := sc.h.waitMessages(t, msgs)
		for j, m := range got {
			if want := fmt.Sprintf("%d-%d", i, j); m.data != want || m.binary {
				t.Fatalf("conn %d message %d: got %+v, want %q", i, j, m, want)
			}
		}
	}
}

func TestBinaryAndEmptyMessages(t *testing.T) {
	s := newServer(t, Options{})
	c, _ := dialGWS(t, s.addr)
	sc := s.next(t)
	payload := bytes.Repeat([]byte{0, 1, 2, 0xFF}, 50_000) // 200 KB, 64-bit length
	for _, m := range []struct {
		op   gws.Opcode
		data []byte
	}{{gws.OpcodeBinary, payload}, {gws.OpcodeBinary, nil}, {gws.OpcodeText, nil}, {gws.OpcodeText, []byte("é")}} {
		if err := c.WriteMessage(m.op, m.data); err != nil {
			t.Fatal(err)
		}
	}
	got := sc.h.waitMessages(t, 4)
	want := []message{{string(payload), true}, {"", true}, {"", false}, {"é", false}}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("message %d: got %d bytes binary=%v, want %d bytes binary=%v", i, len(got[i].data), got[i].binary, len(want[i].data), want[i].binary)
		}
	}
}

func TestFrameSplitByteByByte(t *testing.T) {
	s := newServer(t, Options{})
	nc := dialRaw(t, s.addr, nil)
	sc := s.next(t)
	medium := strings.Repeat("m", 300)   // 16-bit length
	large := strings.Repeat("L", 70_000) // 64-bit length
	var b []byte
	b = append(b, frame(text, "hello")...)
	b = append(b, frame(ping, "pp")...)
	b = append(b, frame(bin, medium)...)
	for i := range b {
		write(t, nc, b[i:i+1])
		if i%50 == 0 {
			time.Sleep(time.Millisecond) // let the server see the partial frame
		}
	}
	big := frame(text, large)
	for i := 0; i < len(big); i += 997 {
		write(t, nc, big[i:min(i+997, len(big))])
	}
	got := sc.h.waitMessages(t, 3)
	want := []message{{"hello", false}, {medium, true}, {large, false}}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("message %d: got %.20q (%d bytes), want %.20q", i, got[i].data, len(got[i].data), want[i].data)
		}
	}
	sc.h.mu.Lock()
	defer sc.h.mu.Unlock()
	if len(sc.h.pings) != 1 || sc.h.pings[0] != "pp" {
		t.Errorf("pings %q", sc.h.pings)
	}
}

func TestManyMessagesInOneWrite(t *testing.T) {
	s := newServer(t, Options{BufferSize: 4096}) // several reads per write
	nc := dialRaw(t, s.addr, nil)
	sc := s.next(t)
	const n = 2000
	var b []byte
	for i := range n {
		b = append(b, frame(text, fmt.Sprint(i))...)
	}
	write(t, nc, b)
	for i, m := range sc.h.waitMessages(t, n) {
		if m.data != fmt.Sprint(i) {
			t.Fatalf("message %d: %q", i, m.data)
		}
	}
}

// TestBufferedBytes sends frames in the same write as the upgrade request,
// so that the server's handshake reader holds them and passes them to Add.
func TestBufferedBytes(t *testing.T) {
	s := newServer(t, Options{})
	nc := dialRaw(t, s.addr, append(frame(text, "early"), frame(opText, "par")...))
	sc := s.next(t)
	write(t, nc, frame(fin|opContinuation, "tial"))
	got := sc.h.waitMessages(t, 2)
	if got[0].data != "early" || got[1].data != "partial" {
		t.Errorf("got %+v", got)
	}
}

func TestFragmentedWithInterleavedPing(t *testing.T) {
	s := newServer(t, Options{})
	nc := dialRaw(t, s.addr, nil)
	sc := s.next(t)
	var b []byte
	b = append(b, frame(opText, "frag")...)
	b = append(b, frame(ping, "in between")...)
	b = append(b, frame(opContinuation, "ment")...)
	b = append(b, frame(fin|opPong, "ignored")...)
	b = append(b, frame(fin|opContinuation, "ed")...)
	b = append(b, frame(opBinary, "\x00\x01")...)
	b = append(b, frame(fin|opContinuation, "\x02")...)
	// A multi-byte character split across fragments is valid UTF-8 once
	// assembled.
	b = append(b, frame(opText, "\xc3")...)
	b = append(b, frame(fin|opContinuation, "\xa9")...)
	write(t, nc, b)
	sc.h.waitMessages(t, 3)
	sc.h.mu.Lock()
	defer sc.h.mu.Unlock()
	want := []string{"p:in between", "m:fragmented", "m:\x00\x01\x02", "m:é"}
	if fmt.Sprint(sc.h.events) != fmt.Sprint(want) {
		t.Errorf("events %q, want %q", sc.h.events, want)
	}
	if !sc.h.msgs[1].binary || sc.h.msgs[0].binary {
		t.Errorf("binary flags wrong: %+v", sc.h.msgs)
	}
}

// TestIdleWorkersExit checks that the workers spawned for a burst exit
// after IdleWorkerTimeout, but for one.
func TestIdleWorkersExit(t *testing.T) {
	s := newServer(t, Options{IdleWorkerTimeout: 50 * time.Millisecond})
	var clients []*gws.Conn
	var servers []*serverConn
	for range 30 {
		c, _ := dialGWS(t, s.addr)
		clients = append(clients, c)
		servers = append(servers, s.next(t))
	}
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Go(func() {
			for range 50 {
				c.WriteString(strings.Repeat("x", 1000))
			}
		})
	}
	wg.Wait()
	for _, sc := range servers {
		sc.h.waitMessages(t, 50)
	}
	peak := s.p.workers.Load()
	deadline := time.Now().Add(wait)
	for s.p.workers.Load() > 1 {
		if time.Now().After(deadline) {
			t.Fatalf("%d workers left", s.p.workers.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("workers: %d at peak, 1 after the idle timeout", peak)
}
