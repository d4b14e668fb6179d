// Package webtransport_test runs the official browser client
// (socket.io-client's socket.io.min.js in Debian's headless Chromium) on
// the webtransport transport against a Duplex server: directly, and as an
// upgrade from polling. The server trusts nothing but a self-signed ECDSA
// certificate made here, which the page accepts by its hash
// (serverCertificateHashes).
package webtransport_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quic-go/webtransport-go"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/internal/eiotest"
	"github.com/duplexio/duplex/internal/testtime"
	"github.com/duplexio/duplex/internal/wttest"
	"github.com/duplexio/duplex/socketio"
	"github.com/duplexio/duplex/test/fixture"
)

func TestMain(m *testing.M) { eiotest.CheckLeaks(m) }

const page = `<!doctype html><meta charset="utf-8"><title>webtransport</title><script src="/socket.io.min.js"></script>`

var repoRoot = filepath.Join("..", "..")

// browserResult is what browser.mjs prints.
type browserResult struct {
	HasWebTransport bool            `json:"hasWebTransport"`
	Transport       string          `json:"transport"`
	TransportAfter  string          `json:"transportAfter"`
	Echo            json.RawMessage `json:"echo"`
	Binary          []int           `json:"binary"`
	BigLength       int             `json:"bigLength"`
	Pushed          []string        `json:"pushed"`
	Disconnect      string          `json:"disconnectReason"`
	Error           string          `json:"error"`
	Logs            []string        `json:"logs"`
}

// server is a Socket.IO server with the fixture's echo events, serving the
// page and Socket.IO over HTTP/1.1 on a TCP port and WebTransport over
// HTTP/3 on the same port number over UDP, as a browser expects.
type server struct {
	io      *socketio.Server
	url     string
	cert    wttest.Cert
	reasons chan string // the server-side disconnect reasons
}

func startServer(t *testing.T) *server {
	t.Helper()
	s := &server{cert: wttest.NewCert(t), reasons: make(chan string, 8)}
	s.io = socketio.NewServer(&socketio.Options{Engine: engineio.Options{
		Transports: []string{engineio.TransportPolling, engineio.TransportWebSocket, engineio.TransportWebTransport},
	}})
	s.io.OnConnection(func(so *socketio.Socket) {
		fixture.Echo(so)
		fixture.Control(s.io, so)
		so.OnDisconnect(func(reason string) { s.reasons <- so.Conn().Transport() + ": " + reason })
	})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(page))
	})
	mux.HandleFunc("GET /socket.io.min.js", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, filepath.Join(repoRoot, "node_modules", "socket.io-client", "dist", "socket.io.min.js"))
	})
	mux.Handle("/socket.io/", s.io)
	ln, udp := wttest.ListenPair(t)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	wttest.Serve(t, udp, s.cert, func(wt *webtransport.Server) http.Handler { return s.io.WebTransportHandler(wt) })
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testtime.Wait)
		defer cancel()
		if err := s.io.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		_ = hs.Close()
	})
	s.url = "http://" + ln.Addr().String() + "/"
	return s
}

// runBrowser runs browser.mjs; closer ("client" or "server") says who
// disconnects at the end.
func runBrowser(t *testing.T, s *server, closer string, transports ...string) browserResult {
	t.Helper()
	chromium := os.Getenv("CHROMIUM_PATH")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("%s: %v (apt-get install chromium: make go-test does, as root)", chromium, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	h := s.cert.Hash
	cmd := exec.CommandContext(ctx, "node", "browser.mjs", s.url, hex.EncodeToString(h[:]), strings.Join(transports, ","), closer)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("browser.mjs: %v\n%s", err, out)
	}
	var res browserResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("browser.mjs printed %q: %v", out, err)
	}
	return res
}

// checkResult checks what the page did; closer is who disconnected, and
// the transport the page must end on is WebTransport unless anyUpgrade
// (the default transports, where the first upgrade probe to answer wins).
func checkResult(t *testing.T, s *server, res browserResult, closer string, anyUpgrade bool) {
	t.Helper()
	if !res.HasWebTransport {
		t.Fatal("this Chromium has no WebTransport")
	}
	if res.Error != "" {
		t.Fatalf("in the page: %s\nconsole: %q", res.Error, res.Logs)
	}
	upgraded := res.Transport == engineio.TransportWebTransport || anyUpgrade && res.Transport == engineio.TransportWebSocket
	if !upgraded || res.TransportAfter != res.Transport {
		t.Fatalf("transport %q then %q", res.Transport, res.TransportAfter)
	}
	if got := string(res.Echo); got != `["héllo",{"n":1},[true]]` {
		t.Errorf("echo %s", got)
	}
	if fmt.Sprint(res.Binary) != "[1 2 3 255]" {
		t.Errorf("binary echo %v", res.Binary)
	}
	if res.BigLength != 100000 {
		t.Errorf("100 kB echo came back with %d bytes", res.BigLength)
	}
	if fmt.Sprint(res.Pushed) != "[pushed]" {
		t.Errorf("server emit %v", res.Pushed)
	}
	want := res.Transport + ": client namespace disconnect"
	if closer == "server" {
		want = res.Transport + ": server namespace disconnect"
		if res.Disconnect != "io server disconnect" {
			t.Errorf("the page saw %q, want io server disconnect", res.Disconnect)
		}
	}
	// A page that disconnects writes its DISCONNECT on the stream and then
	// closes the WebTransport session at once (engine.io-client's doClose);
	// the session's close may overtake the packet on the wire, and the
	// server then sees the transport close first, as Node's would.
	alsoOK := ""
	if closer == "client" && res.Transport == engineio.TransportWebTransport {
		alsoOK = res.Transport + ": transport close"
	}
	select {
	case r := <-s.reasons:
		if r != want && r != alsoOK {
			t.Errorf("server saw %q, want %q", r, want)
		}
	case <-time.After(testtime.Wait):
		t.Error("the server saw no disconnect")
	}
}

func TestBrowserWebTransportOnly(t *testing.T) {
	s := startServer(t)
	checkResult(t, s, runBrowser(t, s, "client", engineio.TransportWebTransport), "client", false)
}

func TestBrowserUpgradeFromPolling(t *testing.T) {
	s := startServer(t)
	checkResult(t, s, runBrowser(t, s, "server", engineio.TransportPolling, engineio.TransportWebTransport), "server", false)
}

// TestBrowserDefaultTransports: with the client's default transports
// (polling, websocket, webtransport) it probes both upgrades at once; the
// server answers the first probe and refuses the other, and the page ends
// on one of them, working.
func TestBrowserDefaultTransports(t *testing.T) {
	s := startServer(t)
	res := runBrowser(t, s, "server", engineio.TransportPolling, engineio.TransportWebSocket, engineio.TransportWebTransport)
	t.Logf("upgraded to %s", res.Transport)
	checkResult(t, s, res, "server", true)
}
