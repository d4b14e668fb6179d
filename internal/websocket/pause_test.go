//go:build linux

package websocket

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"testing"
	"time"
)

// TestPauseFromHandler: a handler pauses its connection; no message after
// the current one is delivered, even those already read in the same
// buffer; Resume delivers the rest in order.
func TestPauseFromHandler(t *testing.T) {
	s := newServer(t, Options{})
	nc := dialRaw(t, s.addr, nil)
	sc := s.next(t)
	sc.h.mu.Lock()
	sc.h.onMessage = func(data []byte) {
		if string(data) == "m4" {
			sc.c.Pause()
		}
	}
	sc.h.mu.Unlock()
	const n = 2000
	var b bytes.Buffer
	for i := range n {
		b.Write(frame(0x81, fmt.Sprintf("m%d", i)))
	}
	write(t, nc, b.Bytes()) // all in one write: one read holds many
	sc.h.waitMessages(t, 5)
	time.Sleep(100 * time.Millisecond) // nothing more may come
	sc.h.mu.Lock()
	got := len(sc.h.msgs)
	sc.h.mu.Unlock()
	if got != 5 {
		t.Fatalf("%d messages delivered while paused after the 5th, want 5", got)
	}
	sc.c.Resume()
	msgs := sc.h.waitMessages(t, n)
	for i, m := range msgs {
		if want := fmt.Sprintf("m%d", i); m.data != want {
			t.Fatalf("message %d: %q, want %q", i, m.data, want)
		}
	}
}

// TestPauseLeavesBytesInKernel: while paused, the connection is not read,
// so the peer's writes block once the socket buffers are full (TCP flow
// control), and Resume reads it all, although no new data arrives to
// raise an edge-triggered event.
func TestPauseLeavesBytesInKernel(t *testing.T) {
	s := newServer(t, Options{})
	nc := dialRaw(t, s.addr, nil)
	sc := s.next(t)
	sc.c.Pause()
	payload := string(bytes.Repeat([]byte("x"), 60_000))
	f := frame(0x82, payload)
	_ = nc.SetWriteDeadline(time.Now().Add(2 * time.Second))
	sent := 0
	var err error
	for sent < 2000 { // 120 MB: more than any socket buffers hold
		if _, err = nc.Write(f); err != nil {
			break
		}
		sent++
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("after %d frames: %v, want the write to block (deadline exceeded)", sent, err)
	}
	sc.h.mu.Lock()
	got := len(sc.h.msgs)
	sc.h.mu.Unlock()
	if got != 0 {
		t.Fatalf("%d messages delivered while paused", got)
	}
	// The timed-out write may have sent part of a frame: drop the
	// connection's tail by counting only complete frames delivered.
	sc.c.Resume()
	sc.h.waitMessages(t, sent)
	nc.(*net.TCPConn).Close()
	sc.h.waitClose(t)
}

// TestResumeWhileReading: Resume called on the reading worker itself (the
// handler pauses and resumes) goes on reading.
func TestResumeWhileReading(t *testing.T) {
	s := newServer(t, Options{})
	nc := dialRaw(t, s.addr, nil)
	sc := s.next(t)
	sc.h.mu.Lock()
	sc.h.onMessage = func([]byte) {
		sc.c.Pause()
		sc.c.Resume()
	}
	sc.h.mu.Unlock()
	var b bytes.Buffer
	for i := range 500 {
		b.Write(frame(0x81, fmt.Sprintf("m%d", i)))
	}
	write(t, nc, b.Bytes())
	sc.h.waitMessages(t, 500)
}

// TestCloseWhilePaused: a paused connection closes cleanly, by PollConn.Close
// and by Poller.Close (the server's cleanup).
func TestCloseWhilePaused(t *testing.T) {
	s := newServer(t, Options{})
	nc := dialRaw(t, s.addr, nil)
	sc := s.next(t)
	sc.c.Pause()
	write(t, nc, frame(0x81, "a"))
	sc.c.Close()
	sc.h.waitClose(t)
	sc.c.Resume() // after Close: nothing

	dialRaw(t, s.addr, nil)
	s.next(t).c.Pause() // left paused for Poller.Close
}
