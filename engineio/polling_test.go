package engineio_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/engineio/packet"
	"github.com/duplexio/duplex/internal/eiotest"
)

// handshake opens a polling session by hand and returns its sid, the URL
// of its requests and its receiver.
func handshake(t testing.TB, e *env) (sid, url string, r *rec) {
	t.Helper()
	resp := do(t, "GET", e.url("EIO=4&transport=polling"), "", nil)
	sid, _ = sidOf(t, resp.body)
	return sid, e.url("EIO=4&transport=polling&sid=" + sid), e.next(t)
}

// pollAsync sends a GET in the background; the answer arrives on the channel.
func pollAsync(t testing.TB, url string) <-chan response {
	t.Helper()
	ch := make(chan response, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			ch <- response{status: -1, body: err.Error()}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		ch <- response{resp.StatusCode, resp.Header, string(b)}
	}()
	return ch
}

func await(t testing.TB, ch <-chan response) response {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(wait):
		t.Fatal("poll not answered")
		return response{}
	}
}

// waitPolling waits until the session has a GET waiting, which
// WriteVolatile reports without side effect when it sends nothing.
func waitPolling(t testing.TB, s *engineio.Session) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !s.WriteVolatile() {
		if time.Now().After(deadline) {
			t.Fatal("no poll waiting")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestPollingPost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want []msg
	}{
		{"one", "4hello", []msg{{"hello", false}}},
		{"two", "4hello\x1e4world", []msg{{"hello", false}, {"world", false}}},
		{"empty message", "4", []msg{{"", false}}},
		{"utf-8", "4€é\x1e4😀", []msg{{"€é", false}, {"😀", false}}},
		{"binary", "bAQID", []msg{{"\x01\x02\x03", true}}},
		{"empty binary", "b", []msg{{"", true}}},
		{"mixed", "4a\x1ebAQID\x1e4b", []msg{{"a", false}, {"\x01\x02\x03", true}, {"b", false}}},
		{"noop and upgrade ignored", "6\x1e4a\x1e5", []msg{{"a", false}}},
		{"pong without ping ignored", "3\x1e4a", []msg{{"a", false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil, false)
			_, url, r := handshake(t, e)
			resp := do(t, "POST", url, tt.body, http.Header{"Content-Type": {"text/plain;charset=UTF-8"}})
			if resp.status != 200 || resp.body != "ok" {
				t.Fatalf("POST answered %d %q, want 200 \"ok\"", resp.status, resp.body)
			}
			if ct := resp.header.Get("Content-Type"); ct != "text/html" {
				t.Errorf("Content-Type %q, want text/html", ct)
			}
			for _, want := range tt.want {
				if got := r.nextMsg(t); got != want {
					t.Errorf("received %q (binary %v), want %q (binary %v)", got.data, got.binary, want.data, want.binary)
				}
			}
			select {
			case m := <-r.msgs:
				t.Errorf("extra message %q", m.data)
			default:
			}
			if r.isClosed() {
				t.Errorf("session closed: %q %v", r.reason, r.err)
			}
		})
	}
}

func TestPollingGet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		msgs []engineio.Message
		want string
	}{
		{"one", []engineio.Message{{Data: []byte("hello")}}, "4hello"},
		{"batched", []engineio.Message{{Data: []byte("a")}, {Data: []byte("b")}, {Data: []byte("")}}, "4a\x1e4b\x1e4"},
		{"binary", []engineio.Message{{Data: []byte{1, 2, 3}, Binary: true}}, "bAQID"},
		{"mixed", []engineio.Message{{Data: []byte("a")}, {Data: []byte{1, 2, 3, 4}, Binary: true}, {Data: []byte("é")}}, "4a\x1ebAQIDBA==\x1e4é"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil, false)
			_, url, r := handshake(t, e)
			// One Write per message: batching is the transport's doing.
			for _, m := range tt.msgs {
				if err := r.s.Write(m); err != nil {
					t.Fatal(err)
				}
			}
			resp := do(t, "GET", url, "", nil)
			if resp.status != 200 || resp.body != tt.want {
				t.Errorf("GET answered %d %q, want 200 %q", resp.status, resp.body, tt.want)
			}
			if ct := resp.header.Get("Content-Type"); ct != "text/plain; charset=UTF-8" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}

// A waiting poll is answered as soon as something is written.
func TestPollingLongPoll(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, false)
	_, url, r := handshake(t, e)
	ch := pollAsync(t, url)
	waitPolling(t, r.s)
	if err := r.s.Write(engineio.Message{Data: []byte("late")}); err != nil {
		t.Fatal(err)
	}
	if resp := await(t, ch); resp.body != "4late" {
		t.Errorf("poll answered %d %q, want \"4late\"", resp.status, resp.body)
	}
}

func TestPollingOverlappingGet(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, false)
	_, url, r := handshake(t, e)
	first := pollAsync(t, url)
	waitPolling(t, r.s)
	checkError(t, do(t, "GET", url, "", nil), 400, `{"code":3,"message":"Bad request"}`)
	r.waitClose(t, engineio.ReasonTransportError, engineio.ErrPollOverlap)
	if resp := await(t, first); resp.status != 200 || resp.body != "1" {
		t.Errorf("pending poll answered %d %q, want 200 \"1\"", resp.status, resp.body)
	}
	checkError(t, do(t, "GET", url, "", nil), 400, `{"code":1,"message":"Session ID unknown"}`)
}

func TestPollingPostErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		body    string
		chunked bool
		header  http.Header
		status  int
		resp    string // "" for any
		reason  string
		err     error
	}{
		{"too large", strings.Repeat("4", 1001), false, nil, 413, "", engineio.ReasonTransportError, engineio.ErrPayloadTooLarge},
		{"too large chunked", strings.Repeat("4", 1001), true, nil, 413, "", engineio.ReasonTransportError, engineio.ErrPayloadTooLarge},
		{"garbage", "garbage", false, nil, 400, `{"code":3,"message":"Bad request"}`, engineio.ReasonParseError, packet.ErrInvalidPacket},
		{"empty", "", false, nil, 400, `{"code":3,"message":"Bad request"}`, engineio.ReasonParseError, packet.ErrInvalidPacket},
		{"empty record", "4a\x1e\x1e4b", false, nil, 400, `{"code":3,"message":"Bad request"}`, engineio.ReasonParseError, packet.ErrInvalidPacket},
		{"bad base64", "bAQ", false, nil, 400, `{"code":3,"message":"Bad request"}`, engineio.ReasonParseError, packet.ErrInvalidPacket},
		{"binary body", "\x01\x02", false, http.Header{"Content-Type": {"application/octet-stream"}}, 400, `{"code":3,"message":"Bad request"}`, engineio.ReasonTransportError, packet.ErrInvalidPacket},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, &engineio.Options{MaxHTTPBufferSize: 1000}, false)
			_, url, r := handshake(t, e)
			var resp response
			if tt.chunked {
				resp = doChunked(t, url, tt.body)
			} else {
				resp = do(t, "POST", url, tt.body, tt.header)
			}
			if resp.status != tt.status {
				t.Errorf("status %d %q, want %d", resp.status, resp.body, tt.status)
			}
			if tt.resp != "" && resp.body != tt.resp {
				t.Errorf("body %q, want %q", resp.body, tt.resp)
			}
			r.waitClose(t, tt.reason, tt.err)
			checkError(t, do(t, "POST", url, "4a", nil), 400, `{"code":1,"message":"Session ID unknown"}`)
		})
	}
}

// A body of exactly MaxHTTPBufferSize bytes is accepted.
func TestPollingPostLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, &engineio.Options{MaxHTTPBufferSize: 1000}, false)
	_, url, r := handshake(t, e)
	body := "4" + strings.Repeat("x", 999)
	if resp := do(t, "POST", url, body, nil); resp.status != 200 {
		t.Fatalf("status %d %q", resp.status, resp.body)
	}
	if m := r.nextMsg(t); m.data != body[1:] {
		t.Errorf("received %d bytes", len(m.data))
	}
}

func doChunked(t testing.TB, url, body string) response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	// A reader of unknown length makes the client send the body chunked.
	req, _ := http.NewRequestWithContext(ctx, "POST", url, io.MultiReader(strings.NewReader(body)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		// The server may close before reading everything.
		return response{status: -1, body: err.Error()}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, string(b)}
}

func TestPollingClientClose(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, false)
	_, url, r := handshake(t, e)
	pending := pollAsync(t, url)
	waitPolling(t, r.s)
	if resp := do(t, "POST", url, "4bye\x1e1", nil); resp.status != 200 || resp.body != "ok" {
		t.Errorf("POST answered %d %q", resp.status, resp.body)
	}
	if m := r.nextMsg(t); m.data != "bye" {
		t.Errorf("received %q", m.data)
	}
	r.waitClose(t, engineio.ReasonTransportClose, nil)
	if resp := await(t, pending); resp.status != 200 || resp.body != "6" {
		t.Errorf("pending poll answered %d %q, want 200 \"6\" (Node's noop)", resp.status, resp.body)
	}
	for _, method := range []string{"GET", "POST"} {
		checkError(t, do(t, method, url, "4a", nil), 400, `{"code":1,"message":"Session ID unknown"}`)
	}
	if err := r.s.Write(engineio.Message{Data: []byte("x")}); err != engineio.ErrClosed {
		t.Errorf("Write after close: %v, want ErrClosed", err)
	}
	select {
	case <-r.s.Done():
	default:
		t.Error("Done() not closed")
	}
	if n := e.srv.Count(); n != 0 {
		t.Errorf("Count() = %d", n)
	}
}

// A client that goes away while its poll waits ends the session.
func TestPollingAbortedPoll(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, false)
	c, r := e.dial(t, eiotest.Options{})
	waitPolling(t, r.s)
	c.Close()
	r.waitClose(t, engineio.ReasonTransportError, nil)
}

func TestEcho(t *testing.T) {
	t.Parallel()
	for _, transport := range []string{"polling", "websocket"} {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil, true)
			c, r := e.dial(t, eiotest.Options{Transport: transport})
			sent := []packet.Packet{
				{Type: packet.Message, Data: []byte("hello")},
				{Type: packet.Message, Data: []byte{0, 1, 2, 255}, Binary: true},
				{Type: packet.Message, Data: []byte("€")},
				{Type: packet.Message, Data: []byte{}, Binary: true},
				{Type: packet.Message},
			}
			if err := c.Send(sent...); err != nil {
				t.Fatal(err)
			}
			for _, want := range sent {
				got, err := c.Recv(wait)
				if err != nil {
					t.Fatal(err)
				}
				if got.Type != packet.Message || got.Binary != want.Binary || string(got.Data) != string(want.Data) {
					t.Errorf("got %v %q (binary %v), want %q (binary %v)", got.Type, got.Data, got.Binary, want.Data, want.Binary)
				}
			}
			if r.s.Transport() != transport {
				t.Errorf("Transport() %q", r.s.Transport())
			}
		})
	}
}

// A POST while another is still being read closes the session.
func TestPollingOverlappingPost(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, false)
	_, url, r := handshake(t, e)
	pr, pw := io.Pipe()
	first := make(chan response, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "POST", url, pr)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			first <- response{status: -1, body: err.Error()}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		first <- response{resp.StatusCode, resp.Header, string(b)}
	}()
	if _, err := pw.Write([]byte("4a")); err != nil { // the server is now reading the first POST
		t.Fatal(err)
	}
	// A noop POST is harmless until the first one is being read.
	var resp response
	eventually(t, "an overlapping POST refused", func() bool {
		resp = do(t, "POST", url, "6", nil)
		return resp.status != 200
	})
	checkError(t, resp, 400, `{"code":3,"message":"Bad request"}`)
	r.waitClose(t, engineio.ReasonTransportError, engineio.ErrPollOverlap)
	pw.Close()
	if got := await(t, first); got.status != 200 && got.status != -1 {
		t.Logf("first POST answered %d %q", got.status, got.body)
	}
}

// POSTs one after the other are never taken for overlapping ones, however
// fast the client sends the next.
func TestPollingSequentialPosts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, false)
	_, url, r := handshake(t, e)
	for i := range 200 {
		if resp := do(t, "POST", url, "4m", nil); resp.status != 200 {
			t.Fatalf("POST %d answered %d %q", i, resp.status, resp.body)
		}
	}
	for range 200 {
		r.nextMsg(t)
	}
	if r.isClosed() {
		t.Errorf("closed: %q %v", r.reason, r.err)
	}
}
