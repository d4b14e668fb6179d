package engineio_test

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/engineio/packet"
	"github.com/duplexio/duplex/internal/eiotest"
	"github.com/duplexio/duplex/internal/testtime"
)

func TestMain(m *testing.M) { eiotest.CheckLeaks(m) }

// discardLog silences an httptest.Server's error log.
var discardLog = log.New(io.Discard, "", 0)

// wait is how long a test waits for something that should happen: long,
// because a loaded 2-core machine under -race is slow, and a passing test
// never waits that long.
const wait = testtime.Wait

// env is a server under test behind an httptest.Server.
type env struct {
	srv      *engineio.Server
	ts       *httptest.Server
	sessions chan *rec // one per new session, in order
}

// newEnv starts a server whose receivers record what they get and, with
// echo, write every message back. Cleanup shuts it down and checks that
// Shutdown returns.
func newEnv(t testing.TB, opts *engineio.Options, echo bool) *env {
	t.Helper()
	e := &env{sessions: make(chan *rec, 256)}
	e.srv = engineio.NewServer(opts, func(s *engineio.Session) engineio.Receiver {
		r := newRec(s, echo)
		e.sessions <- r
		return r
	})
	e.ts = httptest.NewServer(e.srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if err := e.srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		e.ts.Close()
	})
	return e
}

// url returns the server's engine.io address with the raw query q.
func (e *env) url(q string) string { return e.ts.URL + "/engine.io/?" + q }

// next returns the receiver of the next session opened.
func (e *env) next(t testing.TB) *rec {
	t.Helper()
	select {
	case r := <-e.sessions:
		return r
	case <-time.After(wait):
		t.Fatal("no session opened")
		return nil
	}
}

// dial opens a client and returns it with the server side's receiver.
func (e *env) dial(t testing.TB, o eiotest.Options) (*eiotest.Conn, *rec) {
	t.Helper()
	c := eiotest.Dial(t, e.ts.URL, o)
	r := e.next(t)
	if r.s.ID() != c.SID() {
		t.Fatalf("server session %q, client sid %q", r.s.ID(), c.SID())
	}
	return c, r
}

var closePacket = packet.Packet{Type: packet.Close}

type msg struct {
	data   string
	binary bool
}

// rec is a Receiver that records what it gets.
type rec struct {
	s      *engineio.Session
	echo   bool
	msgs   chan msg
	closed chan struct{} // closed after OnClose
	reason string
	err    error
	calls  sync.Mutex // checks that calls never overlap
}

func newRec(s *engineio.Session, echo bool) *rec {
	return &rec{s: s, echo: echo, msgs: make(chan msg, 4096), closed: make(chan struct{})}
}

func (r *rec) OnMessage(data []byte, binary bool) {
	if !r.calls.TryLock() {
		panic("overlapping Receiver calls")
	}
	defer r.calls.Unlock()
	select {
	case <-r.closed:
		panic("OnMessage after OnClose")
	default:
	}
	m := msg{string(data), binary}
	if r.echo {
		_ = r.s.Write(engineio.Message{Data: []byte(m.data), Binary: binary})
	}
	r.msgs <- m
}

func (r *rec) OnClose(reason string, err error) {
	if !r.calls.TryLock() {
		panic("overlapping Receiver calls")
	}
	defer r.calls.Unlock()
	r.reason, r.err = reason, err
	close(r.closed)
}

// nextMsg returns the next message received.
func (r *rec) nextMsg(t testing.TB) msg {
	t.Helper()
	select {
	case m := <-r.msgs:
		return m
	case <-r.closed:
		select {
		case m := <-r.msgs:
			return m
		default:
		}
		t.Fatalf("session closed (%q, %v) while waiting for a message", r.reason, r.err)
	case <-time.After(wait):
		t.Fatal("no message received")
	}
	return msg{}
}

// waitClose waits for OnClose and checks its reason and, unless wantErr is
// nil, its error (errors.Is).
func (r *rec) waitClose(t testing.TB, reason string, wantErr error) {
	t.Helper()
	select {
	case <-r.closed:
	case <-time.After(wait):
		t.Fatalf("session not closed (want %q)", reason)
	}
	if r.reason != reason {
		t.Errorf("close reason %q (err %v), want %q", r.reason, r.err, reason)
	}
	if wantErr != nil && !errors.Is(r.err, wantErr) {
		t.Errorf("close error %v, want %v", r.err, wantErr)
	}
}

// isClosed reports whether OnClose was called.
func (r *rec) isClosed() bool {
	select {
	case <-r.closed:
		return true
	default:
		return false
	}
}

// response is an HTTP answer, read whole.
type response struct {
	status int
	header http.Header
	body   string
}

// do sends a raw request and reads the whole answer.
func do(t testing.TB, method, url, body string, h http.Header) response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, url, err)
	}
	return response{resp.StatusCode, resp.Header, string(b)}
}

// wsHeader is the header of a WebSocket handshake sent by hand.
func wsHeader() http.Header {
	return http.Header{
		"Connection":            {"Upgrade"},
		"Upgrade":               {"websocket"},
		"Sec-Websocket-Version": {"13"},
		"Sec-Websocket-Key":     {"dGhlIHNhbXBsZSBub25jZQ=="},
	}
}

// checkError checks an engine.io error answer: status and JSON body.
func checkError(t testing.TB, r response, status int, body string) {
	t.Helper()
	if r.status != status {
		t.Errorf("status %d, want %d (body %q)", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	if r.body != body {
		t.Errorf("body %s, want %s", r.body, body)
	}
}

// eventually polls cond until it holds (testtime.Until).
var eventually = testtime.Until
