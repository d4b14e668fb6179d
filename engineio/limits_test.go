package engineio_test

import (
	"net/http"
	"runtime"
	"strings"
	"testing"

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
}

func heapInUse() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse)
}
