package socketio_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duplexio/duplex/engineio/packet"
	"github.com/duplexio/duplex/socketio"
)

// spam returns n "spam" events numbered from first, as engine packets
// to send at once: one POST over polling, back-to-back frames over
// WebSocket.
func spam(first, n int) []packet.Packet {
	pkts := make([]packet.Packet, n)
	for i := range pkts {
		pkts[i] = packet.Packet{Type: packet.Message, Data: fmt.Appendf(nil, `2["spam",%d]`, first+i)}
	}
	return pkts
}

// counter records the numbers of the "spam" events a socket handled.
type counter struct {
	mu  sync.Mutex
	got []int
}

func (c *counter) add(i int) {
	c.mu.Lock()
	c.got = append(c.got, i)
	c.mu.Unlock()
}

func (c *counter) inOrder(t *testing.T, n int) {
	t.Helper()
	eventually(t, fmt.Sprintf("%d events handled", n), func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return len(c.got) >= n
	})
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, v := range c.got {
		if v != i {
			t.Fatalf("event %d handled as %d-th", v, i)
		}
	}
}

// TestBurstIsPaused: a client that sends events far faster than its
// handler runs (3,000 while the handler is blocked, over 1024 events and
// over EventQueueBytes) is not disconnected: it is not read meanwhile,
// and every event is handled, in order, once the handler is free.
func TestBurstIsPaused(t *testing.T) {
	forEachTransport(t, func(t *testing.T, transport string) {
		io, url := newServer(t, &socketio.Options{EventQueueBytes: 4096})
		release := make(chan struct{})
		var cnt counter
		reasons := make(chan string, 1)
		onConnect(io, func(s *socketio.Socket) {
			s.On("block", func() { <-release })
			s.On("spam", cnt.add)
			s.OnDisconnect(func(reason string) { reasons <- reason })
		})
		c, _ := connect(t, url, transport, "/")
		emit(t, c, "/", "block")
		sent := make(chan error, 1)
		go func() { sent <- c.Send(spam(0, 3000)...) }()
		if transport == "polling" {
			// The POST is answered only once its events are handled
			// well enough: not while the handler blocks.
			none(t, sent, "answer to the POST while paused")
		}
		time.Sleep(quiet)
		close(release)
		if err := recv(t, sent, "the burst sent"); err != nil {
			t.Fatalf("Send: %v", err)
		}
		cnt.inOrder(t, 3000)
		none(t, reasons, "disconnect")
	})
}

// TestAckDuringBurst: a handler blocked in EmitWithAck to its own client
// gets the acknowledgement even though it comes behind a burst of events
// larger than EventQueueBytes (and than 1024 events): the connection
// keeps reading while an acknowledgement is awaited.
func TestAckDuringBurst(t *testing.T) {
	forEachTransport(t, func(t *testing.T, transport string) {
		io, url := newServer(t, &socketio.Options{EventQueueBytes: 4096})
		var cnt counter
		onConnect(io, func(s *socketio.Socket) {
			s.On("start", func(ack socketio.AckFunc) {
				ctx, cancel := context.WithTimeout(context.Background(), wait)
				defer cancel()
				_, err := s.EmitWithAck(ctx, "q")
				ack(fmt.Sprint(err))
			})
			s.On("spam", cnt.add)
		})
		c, _ := connect(t, url, transport, "/")
		emitAck(t, c, "/", 1, "start")
		if err := c.Send(spam(0, 2000)...); err != nil {
			t.Fatal(err)
		}
		q := expect(t, c, `20["q"]`)
		send(t, c, fmt.Sprintf(`3%d["pong"]`, q.ID))
		expect(t, c, `31["<nil>"]`)
		cnt.inOrder(t, 2000)
	})
}

// TestHostileClientPastHardBound: a client that withholds the
// acknowledgement a handler waits for (so that the connection keeps
// reading it) and goes on sending events is disconnected once they pass
// the hard bound, 4 x EventQueueBytes + MaxHTTPBufferSize, with reason
// "transport error" / ErrTooManyEvents, logged once.
func TestHostileClientPastHardBound(t *testing.T) {
	forEachTransport(t, func(t *testing.T, transport string) {
		var logs syncBuffer
		io, url := newServer(t, &socketio.Options{
			EventQueueBytes:   1024,
			MaxHTTPBufferSize: 10_000, // hard bound 14,096 bytes
			Logger:            slog.New(slog.NewTextHandler(&logs, nil)),
		})
		reasons := make(chan string, 1)
		onConnect(io, func(s *socketio.Socket) {
			s.On("start", func() { _, _ = s.EmitWithAck(context.Background(), "q") })
			s.On("spam", func(int) {})
			s.On("disconnect", func(reason, desc string) { reasons <- reason + ": " + desc })
		})
		c, _ := connect(t, url, transport, "/")
		emit(t, c, "/", "start")
		expect(t, c, `20["q"]`) // and no answer
		for i := 0; i < 2000; i += 50 {
			if c.Send(spam(i, 50)...) != nil {
				break // closed
			}
		}
		got := recv(t, reasons, "disconnect reason")
		if want := "transport error: " + socketio.ErrTooManyEvents.Error(); got != want {
			t.Errorf("reason %q, want %q", got, want)
		}
		if n := strings.Count(logs.String(), "client too far ahead of its handlers"); n != 1 {
			t.Errorf("logged %d times, want once:\n%s", n, logs.String())
		}
	})
}

// syncBuffer is a bytes.Buffer for a logger written from several
// goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
