package socketio_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/duplexio/duplex/engineio"
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
			EventQueueBytes: 1024,
			Engine:          engineio.Options{MaxHTTPBufferSize: 10_000}, // hard bound 14,096 bytes
			Logger:          slog.New(slog.NewTextHandler(&logs, nil)),
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

// TestLargeRepliesWaitForTheClient: requests whose acks are large (600
// KiB, as a chat history page) are handled only as fast as the client
// reads the replies: with the client not polling, the handlers stop once
// the write queue is backlogged (past a quarter of MaxWriteQueueBytes),
// instead of pinning 50 x 600 KiB; once it polls, every ack arrives and
// the client was never disconnected.
func TestLargeRepliesWaitForTheClient(t *testing.T) {
	t.Parallel()
	io, url := newServer(t, nil)
	reply := strings.Repeat("h", 600<<10)
	var ran atomic.Int32
	onConnect(io, func(s *socketio.Socket) {
		s.On("history", func(ack socketio.AckFunc) {
			ran.Add(1)
			ack(reply)
		})
	})
	base := url + "/socket.io/?EIO=4&transport=polling"
	open := httpDo(t, "GET", base, "")
	_, rest, _ := strings.Cut(open, `"sid":"`)
	sid, _, _ := strings.Cut(rest, `"`)
	base += "&sid=" + sid
	httpDo(t, "POST", base, "40")
	if got := httpDo(t, "GET", base, ""); !strings.HasPrefix(got, "40{") {
		t.Fatalf("CONNECT reply %q", got)
	}
	var body []string
	for i := range 50 {
		body = append(body, fmt.Sprintf(`42%d["history"]`, i))
	}
	posted := make(chan string, 1)
	go func() { posted <- httpDo(t, "POST", base, strings.Join(body, "\x1e")) }()
	time.Sleep(quiet)
	// 1 MiB of soft bound: the second reply makes the queue backlogged.
	if n := ran.Load(); n > 3 {
		t.Errorf("%d handlers ran while the client read nothing, want at most 3", n)
	}
	acks := 0
	for acks < 50 {
		acks += strings.Count(httpDo(t, "GET", base, ""), `"hhhh`)
	}
	if got := recv(t, posted, "the POST's answer"); got != "ok" {
		t.Errorf("POST answered %q", got)
	}
}

// httpDo sends a request and returns the body of its 200 answer.
func httpDo(t *testing.T, method, url, body string) string {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Error(err)
		return ""
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Errorf("%s: %d %s", method, resp.StatusCode, b)
	}
	return string(b)
}
