package engineio_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/duplexio/duplex/engineio"
)

// queueReceiver hands messages to a worker over a channel, and stops
// reading the client while the worker is more than high messages behind.
type queueReceiver struct {
	s    *engineio.Session
	work chan string
}

const high = 64

func (q *queueReceiver) OnMessage(data []byte, binary bool) {
	q.work <- string(data) // blocks at most briefly: reading pauses past high
	if len(q.work) > high {
		q.s.PauseReading()
	}
}

func (q *queueReceiver) OnClose(reason string, err error) { close(q.work) }

func (q *queueReceiver) worker(done chan<- []string) {
	var got []string
	for m := range q.work {
		got = append(got, m)
		if len(q.work) < high/2 {
			q.s.ResumeReading()
		}
	}
	done <- got
}

// A receiver whose messages wait for a slower worker pauses the
// session's reading past a bound instead of queueing without one: the
// client's POST (or its WebSocket) waits meanwhile.
func ExampleSession_PauseReading() {
	done := make(chan []string, 1)
	srv := engineio.NewServer(nil, func(s *engineio.Session) engineio.Receiver {
		q := &queueReceiver{s: s, work: make(chan string, high+2)}
		go q.worker(done)
		return q
	})
	ts := httptest.NewServer(srv)
	defer ts.Close()

	sid := handshakeSID(ts.URL)
	url := ts.URL + "/engine.io/?EIO=4&transport=polling&sid=" + sid
	var body []string
	for i := range 500 {
		body = append(body, fmt.Sprintf("4m%d", i))
	}
	resp, err := http.Post(url, "text/plain", strings.NewReader(strings.Join(body, "\x1e")))
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	_ = srv.Shutdown(context.Background())
	got := <-done
	fmt.Println(len(got), got[0], got[499])
	// Output: 500 m0 m499
}

// A sender of many messages to one client waits while the client's write
// queue is backlogged, so that a slow reader holds back the sender rather
// than being disconnected once MaxWriteQueueBytes wait for it.
func ExampleSession_WaitWritable() {
	sessions := make(chan *engineio.Session, 1)
	srv := engineio.NewServer(&engineio.Options{MaxWriteQueueBytes: 64 << 10},
		func(s *engineio.Session) engineio.Receiver { sessions <- s; return echoReceiver{s} })
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Shutdown(context.Background())

	sid := handshakeSID(ts.URL)
	s := <-sessions
	sent := make(chan int)
	go func() {
		chunk := engineio.Message{Data: []byte(strings.Repeat("x", 1000))}
		n := 0
		for range 1000 { // 1 MB: 16 times the write queue's bound
			if s.WaitWritable(context.Background()) != nil || s.Write(chunk) != nil {
				break
			}
			n++
		}
		sent <- n
	}()
	received := 0
	for received < 1000 {
		resp, err := http.Get(ts.URL + "/engine.io/?EIO=4&transport=polling&sid=" + sid)
		if err != nil {
			panic(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		received += strings.Count(string(b), "4x")
	}
	fmt.Println(<-sent, received)
	// Output: 1000 1000
}

// handshakeSID opens a polling session and returns its id.
func handshakeSID(base string) string {
	resp, err := http.Get(base + "/engine.io/?EIO=4&transport=polling")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	_, rest, _ := strings.Cut(string(b), `"sid":"`)
	sid, _, _ := strings.Cut(rest, `"`)
	return sid
}
