package engineio_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	neturl "net/url"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/duplexio/duplex/engineio"
)

const tooLarge = `{"code":3,"message":"Request header fields too large"}`

// Headers past MaxHeaderBytes (Node's 16 KiB by default) are refused with
// 431 on every kind of request, before anything is kept of them.
func TestMaxHeaderBytes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, false)
	big := http.Header{"X-Big": {strings.Repeat("x", 1_000_000)}}
	checkError(t, do(t, "GET", e.url("EIO=4&transport=polling"), "", big), 431, tooLarge)
	ws := wsHeader()
	ws.Set("X-Big", strings.Repeat("x", 17<<10))
	checkError(t, do(t, "GET", e.url("EIO=4&transport=websocket"), "", ws), 431, tooLarge)
	if n := e.srv.Count(); n != 0 {
		t.Errorf("Count() = %d after refused handshakes", n)
	}
	// An honest browser's header, cookies included, is well under it.
	ok := http.Header{"Cookie": {strings.Repeat("c", 8<<10)}}
	sid, url, r := handshakeWith(t, e, ok)
	if r.s.ID() != sid {
		t.Fatalf("session %q, sid %q", r.s.ID(), sid)
	}
	checkError(t, do(t, "GET", url, "", big), 431, tooLarge)
	if r.isClosed() {
		t.Errorf("session closed by a refused request: %q", r.reason)
	}

	small := newEnv(t, &engineio.Options{MaxHeaderBytes: 1000}, false)
	checkError(t, do(t, "GET", small.url("EIO=4&transport=polling"), "", http.Header{"X-Big": {strings.Repeat("x", 1000)}}), 431, tooLarge)
}

// handshakeWith is handshake with extra header lines.
func handshakeWith(t testing.TB, e *env, h http.Header) (sid, url string, r *rec) {
	t.Helper()
	resp := do(t, "GET", e.url("EIO=4&transport=polling"), "", h)
	if resp.status != 200 {
		t.Fatalf("handshake answered %d %q", resp.status, resp.body)
	}
	sid, _ = sidOf(t, resp.body)
	return sid, e.url("EIO=4&transport=polling&sid=" + sid), e.next(t)
}

// What a polling session with a 1 MB header holds: with net/http's 1 MiB
// default and no limit of ours it was the whole header (100 sessions: +122
// MiB); now the handshake is refused and nothing stays. Not parallel, so
// that the heap is this test's.
func TestHeaderMemoryPerSession(t *testing.T) {
	e := newEnv(t, nil, false)
	big := http.Header{"X-Big": {strings.Repeat("x", 1_000_000)}}
	const n = 40
	before := heapInUse()
	for i := 0; i < n; i++ {
		resp := do(t, "GET", e.url("EIO=4&transport=polling"), "", big)
		if resp.status == 200 {
			e.next(t) // a session was opened: keep it, as a hostile client would
		}
	}
	grown := heapInUse() - before
	t.Logf("%d handshakes with a 1 MB header: heap +%.1f MiB, %.0f KiB per session (%d open)",
		n, float64(grown)/(1<<20), float64(grown)/n/1024, e.srv.Count())
	if grown > 8<<20 {
		t.Errorf("heap grew by %d MiB for %d refused handshakes", grown>>20, n)
	}

	// Just under the limit, a session keeps that header and little more
	// than one without.
	perSession := func(h http.Header) int64 {
		before := heapInUse()
		for i := 0; i < n; i++ {
			handshakeWith(t, e, h)
		}
		return (heapInUse() - before) / n
	}
	plain := perSession(nil)
	near := perSession(http.Header{"X-Big": {strings.Repeat("x", 15_000)}})
	t.Logf("per polling session: %d KiB, %d KiB with a 15,000-byte header", plain>>10, near>>10)
	if near-plain > 32<<10 {
		t.Errorf("a 15,000-byte header costs %d KiB per session", (near-plain)>>10)
	}
}

func heapInUse() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse)
}

// A POST over MaxHTTPBufferSize always gets its 413, as from Node, also
// from a client that sends the whole body, slowly, before it reads: the
// server closed the connection 500 ms after its answer while the body was
// still coming, and such a client had its write fail (reset, broken pipe).
func TestPollingPostTooLargeAnswered(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, false)
	body := "4" + strings.Repeat("x", 2_000_000)
	clients := map[string]func(url string) string{
		"Go client": func(url string) string { return strconv.Itoa(doPost(url, body).status) },
		"chunked":   func(url string) string { return strconv.Itoa(doChunked(t, url, body).status) },
		"whole body first": func(url string) string {
			line, err := rawPost(t, url, body)
			if err != nil {
				return err.Error()
			}
			return strings.TrimPrefix(line, "HTTP/1.1 ")
		},
	}
	want := map[string]string{"Go client": "413", "chunked": "413", "whole body first": "413 Request Entity Too Large"}
	for i := 0; i < 50; i++ {
		for name, post := range clients {
			if name == "whole body first" && i%10 != 0 {
				continue // slow: 5 runs of it
			}
			_, url, r := handshake(t, e)
			if got := post(url); got != want[name] {
				t.Fatalf("run %d, %s: %s, want %s", i, name, got, want[name])
			}
			r.waitClose(t, engineio.ReasonTransportError, engineio.ErrPayloadTooLarge)
		}
	}
}

// doPost is do that reports a failed request as status -1 instead of
// failing the test.
func doPost(url, body string) response {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", url, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return response{status: -1, body: err.Error()}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, string(b)}
}

// rawPost sends a POST over a connection of its own, the whole body first
// (as simple clients do), then reads the answer's status line.
func rawPost(t testing.TB, rawURL, body string) (status string, err error) {
	t.Helper()
	u, _ := neturl.Parse(rawURL)
	conn, err := net.DialTimeout("tcp", u.Host, wait)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(wait))
	head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: %d\r\n\r\n", u.RequestURI(), u.Host, len(body))
	if _, err := io.WriteString(conn, head); err != nil {
		return "", err
	}
	if err := writeSlowly(conn, body); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	return strings.TrimSpace(line), err
}

// writeSlowly writes s in 64 KiB pieces 20 ms apart, as a client on a slow
// link does: a 2 MB body takes over half a second.
func writeSlowly(w io.Writer, s string) error {
	for len(s) > 0 {
		n := min(len(s), 64<<10)
		if _, err := io.WriteString(w, s[:n]); err != nil {
			return err
		}
		s = s[n:]
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}
