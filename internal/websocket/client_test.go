//go:build linux

package websocket

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// serverFrame builds an unmasked frame, as a server sends.
func serverFrame(b0 byte, payload string) []byte { return frameMask(b0, payload, false) }

// TestClientModeFramer checks the framer of a client-mode connection:
// unmasked frames are read, masked ones fail it with 1002.
func TestClientModeFramer(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want []string
		err  error
	}{
		{"text", serverFrame(text, "hello"), []string{`m false "hello"`}, nil},
		{"binary 16-bit length", serverFrame(bin, strings.Repeat("b", 300)), []string{fmt.Sprintf("m true %q", strings.Repeat("b", 300))}, nil},
		{"ping", serverFrame(ping, "p"), []string{`p "p"`}, nil},
		{"fragmented", append(serverFrame(opText, "fr"), serverFrame(fin|opContinuation, "ag")...), []string{`m false "frag"`}, nil},
		{"close", serverFrame(closeOp, closePayload(1000, "bye")), nil, &CloseError{1000, "bye"}},
		{"masked text", frame(text, "hi"), nil, errMasked},
		{"masked after a message", append(serverFrame(text, "ok"), frame(text, "hi")...), []string{`m false "ok"`}, errMasked},
		{"masked ping", frame(ping, ""), nil, errMasked},
		{"masked close", frame(closeOp, closePayload(1000, "")), nil, errMasked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, cut := range []int{len(tt.data), 1, 3} { // whole, and split
				h := &collect{}
				f := &framer{h: h, maxPayload: 1000, client: true}
				data := append([]byte(nil), tt.data...)
				var err error
				for len(data) > 0 && err == nil {
					n := min(cut, len(data))
					err = f.feed(data[:n])
					data = data[n:]
				}
				if fmt.Sprint(h.log) != fmt.Sprint(tt.want) {
					t.Errorf("cut %d: got %q, want %q", cut, h.log, tt.want)
				}
				if fmt.Sprint(err) != fmt.Sprint(tt.err) {
					t.Errorf("cut %d: error %v, want %v", cut, err, tt.err)
				}
			}
		})
	}
	// Server mode is unchanged: the same unmasked frame fails it.
	f := &framer{h: &collect{}, maxPayload: 1000}
	if err := f.feed(serverFrame(text, "hi")); err != errUnmasked {
		t.Errorf("server mode: error %v, want %v", err, errUnmasked)
	}
}

func TestCloseFrameBytesMasked(t *testing.T) {
	var b [6 + 125]byte
	mask := [4]byte{1, 2, 3, 4}
	for _, tc := range []struct {
		code   int
		reason string
	}{{0, ""}, {1002, "x"}, {1000, strings.Repeat("r", 200)}} {
		plain := string(closeFrameBytes(&b, tc.code, tc.reason, nil))
		got := closeFrameBytes(&b, tc.code, tc.reason, &mask)
		if len(got) != len(plain)+4 || got[0] != plain[0] || got[1] != plain[1]|0x80 || string(got[2:6]) != string(mask[:]) {
			t.Fatalf("code %d: masked %x, plain %x", tc.code, got, plain)
		}
		p := got[6:]
		unmask(p, mask)
		if string(p) != plain[2:] {
			t.Errorf("code %d: payload %q, want %q", tc.code, p, plain[2:])
		}
	}
}

// clientPair connects a loopback TCP pair and adds the dialing end to a
// client-mode Poller; the test plays the server on the other end.
type clientPair struct {
	peer net.Conn // the server end, written raw
	c    *PollConn
	h    *recorder
}

func newClientPair(t *testing.T, p *Poller, buffered []byte) *clientPair {
	t.Helper()
	nc, peer := tcpPair(t)
	h := newRecorder(t)
	c, err := p.Add(nc, h, ConnOptions{Buffered: buffered})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Close()
		h.waitClose(t)
	})
	return &clientPair{peer: peer, c: c, h: h}
}

// readMaskedClose reads what the client end sent until it closed the
// connection, as one masked close frame: its code (0 for an empty one)
// and reason.
func readMaskedClose(t testing.TB, nc net.Conn) (code int, reason string) {
	t.Helper()
	nc.SetReadDeadline(time.Now().Add(wait))
	b, err := io.ReadAll(nc)
	if err != nil && !errors.Is(err, net.ErrClosed) && !isReset(err) {
		t.Fatalf("reading the close frame: %v", err)
	}
	if len(b) < 6 || b[0] != 0x88 || b[1]&0x80 == 0 || int(b[1]&0x7F) != len(b)-6 {
		t.Fatalf("want one masked close frame, got %x", b)
	}
	p := b[6:]
	unmask(p, [4]byte(b[2:6]))
	if len(p) == 0 {
		return 0, ""
	}
	return int(p[0])<<8 | int(p[1]), string(p[2:])
}

func TestClientMode(t *testing.T) {
	p, err := NewPoller(Options{Client: true, MaxPayload: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := p.Close(); err != nil {
			t.Errorf("Poller.Close: %v", err)
		}
	}()

	t.Run("unmasked accepted", func(t *testing.T) {
		// The first message comes in Buffered, as after a handshake.
		cp := newClientPair(t, p, serverFrame(text, "open"))
		var b []byte
		b = append(b, serverFrame(text, "hello")...)
		b = append(b, serverFrame(opBinary, "\x00\x01")...)
		b = append(b, serverFrame(ping, "pp")...)
		b = append(b, serverFrame(fin|opContinuation, "\x02")...)
		b = append(b, serverFrame(text, strings.Repeat("x", 1000))...)
		write(t, cp.peer, b)
		got := cp.h.waitMessages(t, 4)
		want := []message{{"open", false}, {"hello", false}, {"\x00\x01\x02", true}, {strings.Repeat("x", 1000), false}}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("got %+v, want %+v", got, want)
		}
		cp.h.mu.Lock()
		if fmt.Sprint(cp.h.pings) != "[pp]" {
			t.Errorf("pings %q", cp.h.pings)
		}
		cp.h.mu.Unlock()
	})

	t.Run("masked rejected", func(t *testing.T) {
		cp := newClientPair(t, p, nil)
		write(t, cp.peer, serverFrame(text, "ok"))
		write(t, cp.peer, frame(text, "masked"))
		code, reason := readMaskedClose(t, cp.peer)
		if code != CodeProtocolError || reason != errMasked.Text {
			t.Errorf("close frame %d %q, want %d %q", code, reason, CodeProtocolError, errMasked.Text)
		}
		if err := cp.h.waitClose(t); err != errMasked {
			t.Errorf("OnClose(%v), want %v", err, errMasked)
		}
		if got := cp.h.waitMessages(t, 1); len(got) != 1 || got[0].data != "ok" {
			t.Errorf("messages %+v", got)
		}
	})

	t.Run("peer close echoed masked", func(t *testing.T) {
		cp := newClientPair(t, p, nil)
		write(t, cp.peer, serverFrame(closeOp, closePayload(1001, "going")))
		if code, reason := readMaskedClose(t, cp.peer); code != 1001 || reason != "" {
			t.Errorf("close frame %d %q, want 1001", code, reason)
		}
		var ce *CloseError
		if err := cp.h.waitClose(t); !errors.As(err, &ce) || *ce != (CloseError{1001, "going"}) {
			t.Errorf("OnClose(%v)", err)
		}
	})

	t.Run("too big", func(t *testing.T) {
		cp := newClientPair(t, p, nil)
		write(t, cp.peer, serverFrame(text, strings.Repeat("x", 1001)))
		if code, reason := readMaskedClose(t, cp.peer); code != CodeTooBig || reason != errTooBig.Text {
			t.Errorf("close frame %d %q", code, reason)
		}
		if err := cp.h.waitClose(t); err != errTooBig {
			t.Errorf("OnClose(%v), want %v", err, errTooBig)
		}
	})
}
