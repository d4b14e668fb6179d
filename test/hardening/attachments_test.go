package hardening_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/duplexio/duplex/engineio/packet"
	"github.com/duplexio/duplex/internal/eiotest"
	"github.com/duplexio/duplex/parser"
	"github.com/duplexio/duplex/socketio"
)

// attachEnv is a server with small messages (maxBuf bytes) and short pings
// (attachment wait: pingInterval + pingTimeout = 600ms), whose sockets
// answer "sizes" with the sizes of the binaries they got.
func attachEnv(t *testing.T, opts socketio.Options) *env {
	opts.Engine.MaxHTTPBufferSize = maxBuf
	opts.Engine.PingInterval, opts.Engine.PingTimeout = 300*time.Millisecond, 300*time.Millisecond
	e := newEnv(t, &opts)
	e.io.OnConnection(func(s *socketio.Socket) {
		s.On("sizes", func(a socketio.Args, ack socketio.AckFunc) {
			sizes := make([]any, a.Len())
			for i := range sizes {
				var b []byte
				if err := a.Decode(i, &b); err != nil {
					ack("not binary")
					return
				}
				sizes[i] = len(b)
			}
			ack(sizes...)
		})
	})
	return e
}

const maxBuf = 10000

// binaryEvent is the text of a "sizes" BINARY_EVENT with n attachments and
// ack id 5.
func binaryEvent(n int) string {
	ph := make([]string, n)
	for i := range ph {
		ph[i] = fmt.Sprintf(`{"_placeholder":true,"num":%d}`, i)
	}
	return fmt.Sprintf(`5%d-5["sizes",%s]`, n, strings.Join(ph, ","))
}

// sendEach sends each message on its own (one POST each over polling,
// where the body is bounded by maxBuf as a whole).
func sendEach(t *testing.T, c *eiotest.SIO, text string, sizes ...int) {
	t.Helper()
	msgs := []packet.Packet{{Type: packet.Message, Data: []byte(text)}}
	for _, n := range sizes {
		msgs = append(msgs, packet.Packet{Type: packet.Message, Data: make([]byte, n), Binary: true})
	}
	for _, m := range msgs {
		if err := c.Send(m); err != nil {
			t.Fatalf("send: %v", err)
		}
	}
}

// TestParkedAttachments: what a connection holds for a binary event whose
// attachments have not all arrived is bounded in bytes
// (MaxPendingAttachmentBytes, by default MaxHTTPBufferSize) and in time
// (pingInterval + pingTimeout): past either the connection is closed with
// "parse error" and one warning logged; the bystanders are served.
func TestParkedAttachments(t *testing.T) {
	t.Parallel()
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			t.Parallel()
			e := attachEnv(t, socketio.Options{})
			bystander := e.client(t, "websocket", "")

			tag := tr + "/too many bytes"
			c := e.client(t, tr, tag)
			// 6,000 + 4,100 bytes held, with the text: past 10,000 before
			// the third (last) attachment.
			sendEach(t, c, binaryEvent(3), 6000, 4100)
			checkAnswer(t, e, c, tag, "", "parse error parser: invalid packet: binary packet over the bytes held for its attachments (limit 10000)")
			if got := len(e.logs.records("socketio: binary packet too large, closing")); got != 1 {
				t.Errorf("%d warnings logged for the bytes, want 1", got)
			}

			tag = tr + "/never completes"
			c = e.client(t, tr, tag)
			start := time.Now()
			sendEach(t, c, binaryEvent(2), 100)
			checkAnswer(t, e, c, tag, "", "parse error socketio: attachments of a binary packet not received in time")
			if d := time.Since(start); d < 550*time.Millisecond {
				t.Errorf("closed after %v, before pingInterval + pingTimeout (600ms)", d)
			}
			if got := len(e.logs.records("socketio: binary packet incomplete, closing")); got != 1 {
				t.Errorf("%d warnings logged for the wait, want 1", got)
			}
			e.healthy(t, bystander)
		})
	}
}

// TestHonestAttachments: the bounds leave honest binary events alone: one
// attachment as large as a message, several adding up to one, slowly sent
// ones within the wait, and with MaxPendingAttachmentBytes raised, several
// as large as a message each.
func TestHonestAttachments(t *testing.T) {
	t.Parallel()
	// Over polling the base64 of an attachment and the POST around it must
	// fit in maxBuf; over WebSocket a frame may carry maxBuf bytes.
	largest := map[string]int{"websocket": maxBuf, "polling": maxBuf*3/4 - 10}
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			t.Parallel()
			e := attachEnv(t, socketio.Options{})
			raised := attachEnv(t, socketio.Options{MaxPendingAttachmentBytes: 3 * maxBuf})
			big := largest[tr]
			tests := []struct {
				e     *env
				sizes []int
				pause time.Duration
			}{
				{e, []int{big}, 0},
				{e, []int{4000, 5900, big}, 0},
				{e, []int{1, 0, 2}, 100 * time.Millisecond}, // within the 600ms wait
				{raised, []int{big, big, big}, 0},
			}
			for _, tt := range tests {
				c := tt.e.client(t, tr, "")
				if err := c.Send(packet.Packet{Type: packet.Message, Data: []byte(binaryEvent(len(tt.sizes)))}); err != nil {
					t.Fatal(err)
				}
				for _, n := range tt.sizes {
					time.Sleep(tt.pause)
					if err := c.Send(packet.Packet{Type: packet.Message, Data: make([]byte, n), Binary: true}); err != nil {
						t.Fatalf("sizes %v: %v", tt.sizes, err)
					}
				}
				p, err := c.Next(wait)
				if err != nil {
					t.Fatalf("sizes %v: %v", tt.sizes, err)
				}
				want := strings.Trim(strings.ReplaceAll(fmt.Sprint(tt.sizes), " ", ","), "[]")
				if got := wire(p); got != "35["+want+"]" {
					t.Errorf("sizes %v: got %s", tt.sizes, got)
				}
				if p.Type != parser.Ack {
					t.Errorf("sizes %v: not an ack", tt.sizes)
				}
				c.Close()
			}
		})
	}
}
