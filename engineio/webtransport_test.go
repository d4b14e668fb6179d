package engineio_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/webtransport-go"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/engineio/packet"
	"github.com/duplexio/duplex/internal/wttest"
)

var wtTransports = []string{engineio.TransportPolling, engineio.TransportWebSocket, engineio.TransportWebTransport}

// wtEnv is an env whose engine also serves WebTransport over HTTP/3.
type wtEnv struct {
	*env
	cert wttest.Cert
	url  string // the engine's https:// address over HTTP/3
}

func newWTEnv(t testing.TB, opts *engineio.Options) *wtEnv {
	t.Helper()
	if opts == nil {
		opts = &engineio.Options{}
	}
	if opts.Transports == nil {
		opts.Transports = wtTransports
	}
	e := &wtEnv{env: newEnv(t, opts, true), cert: wttest.NewCert(t)}
	conn := wttest.ListenUDP(t, 0)
	wttest.Serve(t, conn, e.cert, func(wt *webtransport.Server) http.Handler {
		mux := http.NewServeMux()
		mux.Handle("/engine.io/", e.srv.WebTransportHandler(wt))
		return mux
	})
	e.url = fmt.Sprintf("https://localhost:%d/engine.io/?EIO=4&transport=webtransport", conn.LocalAddr().(*net.UDPAddr).Port)
	return e
}

func (e *wtEnv) dial(t testing.TB, sid string) *wttest.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	return wttest.DialT(ctx, t, e.url, e.cert, sid)
}

func recvWT(t testing.TB, c *wttest.Client) packet.Packet {
	t.Helper()
	p, err := c.RecvSkipPings(wait)
	if err != nil {
		t.Fatalf("recv: %#v", err)
	}
	return p
}

func TestWebTransportHandshakeAndEcho(t *testing.T) {
	e := newWTEnv(t, &engineio.Options{PingInterval: 200 * time.Millisecond, PingTimeout: wait})
	c := e.dial(t, "")
	p := recvWT(t, c)
	var hs struct {
		SID      string   `json:"sid"`
		Upgrades []string `json:"upgrades"`
	}
	if p.Type != packet.Open || json.Unmarshal(p.Data, &hs) != nil || hs.SID == "" || len(hs.Upgrades) != 0 {
		t.Fatalf("handshake %v %s", p.Type, p.Data)
	}
	r := e.next(t)
	if got := r.s.Transport(); got != engineio.TransportWebTransport {
		t.Fatalf("transport %q", got)
	}
	if req := r.s.Request(); req.Method != http.MethodConnect || req.URL.Path != "/engine.io/" || req.RequestURI != "/engine.io/?EIO=4&transport=webtransport" {
		t.Fatalf("Request() %s %q %q", req.Method, req.URL.Path, req.RequestURI)
	}
	big := bytes.Repeat([]byte("x"), 70_000) // a 64-bit length header
	sent := []packet.Packet{
		{Type: packet.Message, Data: []byte("hello")},
		{Type: packet.Message, Data: []byte{0, 1, 2, 255}, Binary: true},
		{Type: packet.Message, Data: big},
		{Type: packet.Message, Data: []byte("é" + strings.Repeat("y", 300))}, // a 16-bit length header
	}
	for _, s := range sent {
		if err := c.Send(s); err != nil {
			t.Fatal(err)
		}
		// The pings every 200 ms are answered by RecvSkipPings, or the
		// session would time out meanwhile.
		got := recvWT(t, c)
		if got.Type != packet.Message || got.Binary != s.Binary || !bytes.Equal(got.Data, s.Data) {
			t.Fatalf("echo %v %v %d bytes, want %d bytes", got.Type, got.Binary, len(got.Data), len(s.Data))
		}
	}
	if m := r.nextMsg(t); m.data != "hello" || m.binary {
		t.Fatalf("server got %+v", m)
	}
	if err := c.Send(closePacket); err != nil {
		t.Fatal(err)
	}
	<-r.closed
	if r.reason != engineio.ReasonTransportClose {
		t.Fatalf("reason %q", r.reason)
	}
}

func TestWebTransportPingTimeout(t *testing.T) {
	e := newWTEnv(t, &engineio.Options{PingInterval: 50 * time.Millisecond, PingTimeout: 50 * time.Millisecond})
	c := e.dial(t, "")
	if p, err := c.Recv(wait); err != nil || p.Type != packet.Open {
		t.Fatalf("handshake %v %v", p.Type, err)
	}
	r := e.next(t)
	select {
	case <-r.closed:
	case <-time.After(wait):
		t.Fatal("no ping timeout")
	}
	if r.reason != engineio.ReasonPingTimeout {
		t.Fatalf("reason %q", r.reason)
	}
	if err := c.WaitClosed(wait); err != nil {
		t.Fatal(err)
	}
}

// TestWebTransportRefusals: hostile or stray clients get their session
// closed with a reason, never a hang.
func TestWebTransportRefusals(t *testing.T) {
	e := newWTEnv(t, &engineio.Options{MaxHTTPBufferSize: 100})
	t.Run("too large", func(t *testing.T) {
		c := e.dial(t, "")
		recvWT(t, c)
		r := e.next(t)
		_ = c.Send(packet.Packet{Type: packet.Message, Data: bytes.Repeat([]byte("z"), 101)})
		<-r.closed
		if r.reason != engineio.ReasonParseError {
			t.Fatalf("reason %q", r.reason)
		}
	})
	t.Run("empty frame", func(t *testing.T) {
		c := e.dial(t, "")
		recvWT(t, c)
		r := e.next(t)
		_, _ = c.Str.Write([]byte{0x00})
		<-r.closed
		if r.reason != engineio.ReasonParseError {
			t.Fatalf("reason %q", r.reason)
		}
	})
	t.Run("unknown sid", func(t *testing.T) {
		c := e.dial(t, "nosuchsid")
		if err := c.WaitClosed(wait); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("first packet not open", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		c := wttest.DialT(ctx, t, e.url, e.cert, "")
		// Dial sent an OPEN: a second session is opened and echoes.
		recvWT(t, c)
		<-e.sessions
		_ = c.Send(packet.Packet{Type: packet.Ping})
		if err := c.WaitClosed(wait); err != nil {
			t.Fatal(err)
		}
	})
}

// TestWebTransportUpgrade moves a polling session onto WebTransport as
// engine.io-client does, and checks the handshake offers it.
func TestWebTransportUpgrade(t *testing.T) {
	e := newWTEnv(t, nil)
	resp, err := http.Get(e.ts.URL + "/engine.io/?EIO=4&transport=polling")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var hs struct {
		SID      string   `json:"sid"`
		Upgrades []string `json:"upgrades"`
	}
	if err := json.Unmarshal(body[1:], &hs); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	if fmt.Sprint(hs.Upgrades) != "[websocket webtransport]" {
		t.Fatalf("upgrades %v", hs.Upgrades)
	}
	r := e.next(t)
	poll := make(chan string, 1)
	go func() {
		resp, err := http.Get(e.ts.URL + "/engine.io/?EIO=4&transport=polling&sid=" + hs.SID)
		if err != nil {
			poll <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		poll <- string(b)
	}()
	c := e.dial(t, hs.SID)
	if err := c.Send(packet.Packet{Type: packet.Ping, Data: []byte("probe")}); err != nil {
		t.Fatal(err)
	}
	if p := recvWT(t, c); p.Type != packet.Pong || string(p.Data) != "probe" {
		t.Fatalf("probe answer %v %q", p.Type, p.Data)
	}
	if got := <-poll; got != "6" {
		t.Fatalf("pending poll got %q, want the noop", got)
	}
	if err := c.Send(packet.Packet{Type: packet.Upgrade}, packet.Packet{Type: packet.Message, Data: []byte("after")}); err != nil {
		t.Fatal(err)
	}
	if p := recvWT(t, c); p.Type != packet.Message || string(p.Data) != "after" {
		t.Fatalf("echo %v %q", p.Type, p.Data)
	}
	if got := r.s.Transport(); got != engineio.TransportWebTransport {
		t.Fatalf("transport %q", got)
	}
	// A second probe of the same session is refused.
	c2 := e.dial(t, hs.SID)
	if err := c2.WaitClosed(wait); err != nil {
		t.Fatal(err)
	}
	r.s.Close()
	<-r.closed
	if err := c.WaitClosed(wait); err != nil {
		t.Fatal(err)
	}
}

// TestWebTransportNotOverHTTP1: transport=webtransport in an HTTP/1.1
// request is an unknown transport, as in Node.
func TestWebTransportNotOverHTTP1(t *testing.T) {
	e := newEnv(t, &engineio.Options{Transports: wtTransports}, false)
	resp, err := http.Get(e.url("EIO=4&transport=webtransport"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

// TestWebTransportSlowConsumer: a client that reads nothing is
// disconnected once its queue passes MaxWriteQueueBytes (or a write times
// out), as on the other transports, and Write never blocks meanwhile.
func TestWebTransportSlowConsumer(t *testing.T) {
	e := newWTEnv(t, &engineio.Options{MaxWriteQueueBytes: 256 << 10, WriteTimeout: time.Second})
	c := e.dial(t, "")
	_ = c // never read
	r := e.next(t)
	chunk := engineio.Message{Data: bytes.Repeat([]byte("s"), 16<<10)}
	start := time.Now()
	var err error
	for i := 0; i < 10_000 && err == nil; i++ {
		err = r.s.Write(chunk)
		if err == nil {
			time.Sleep(time.Millisecond) // let the writer reach the flow-control limit
		}
	}
	if err == nil {
		t.Fatal("160 MB written to a client that reads nothing")
	}
	<-r.closed
	if r.reason != engineio.ReasonTransportError {
		t.Fatalf("reason %q (%v) after %v", r.reason, r.err, time.Since(start))
	}
}

// TestWebTransportNoStream: a session whose client opens no stream is
// closed after UpgradeTimeout, and no Engine.IO session is opened.
func TestWebTransportNoStream(t *testing.T) {
	e := newWTEnv(t, &engineio.Options{UpgradeTimeout: 200 * time.Millisecond})
	tr := e.rawTransport()
	defer tr.Close()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	_, sess, err := tr.Dial(ctx, e.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sess.CloseWithError(0, "")
	select {
	case <-sess.Context().Done():
	case <-ctx.Done():
		t.Fatal("the server kept a session without a stream")
	}
	if n := e.srv.Count(); n != 0 {
		t.Fatalf("%d sessions", n)
	}
}

// rawTransport is a WebTransport client that trusts e's certificate.
func (e *wtEnv) rawTransport() *webtransport.Transport {
	pool := x509.NewCertPool()
	leaf, _ := x509.ParseCertificate(e.cert.TLS.Certificate[0])
	pool.AddCert(leaf)
	return &webtransport.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool},
		QUICConfig:      &quic.Config{EnableDatagrams: true, EnableStreamResetPartialDelivery: true},
	}
}

// TestWebTransportOrigin: without CORS options a WebTransport session from
// a page of another origin is refused with 403, as a WebSocket is; one
// from the server's own host is served.
func TestWebTransportOrigin(t *testing.T) {
	e := newWTEnv(t, nil)
	tr := e.rawTransport()
	defer tr.Close()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	rsp, sess, err := tr.Dial(ctx, e.url, http.Header{"Origin": {"https://evil.example"}})
	if err == nil {
		sess.CloseWithError(0, "")
		t.Fatal("a foreign origin was served")
	}
	if rsp == nil || rsp.StatusCode != http.StatusForbidden {
		t.Fatalf("got %v %v", rsp, err)
	}
	host := strings.TrimPrefix(strings.Split(e.url, "/engine.io/")[0], "https://")
	rsp, sess, err = tr.Dial(ctx, e.url, http.Header{"Origin": {"http://" + host}})
	if err != nil || rsp.StatusCode != http.StatusOK {
		t.Fatalf("own origin: %v %v", rsp, err)
	}
	sess.CloseWithError(0, "")
}

// TestWebTransportAllowRequest: AllowRequest sees the CONNECT request of
// a new WebTransport session, and its refusal closes the session with the
// refusal's message.
func TestWebTransportAllowRequest(t *testing.T) {
	var seen atomic.Value
	e := newWTEnv(t, &engineio.Options{AllowRequest: func(r *http.Request) error {
		seen.Store(r.Header.Get("X-Token"))
		return errors.New("no entry")
	}})
	c := e.dial(t, "")
	_, err := c.Recv(wait)
	var se *webtransport.SessionError
	if !errors.As(err, &se) || se.Message != "no entry" {
		t.Fatalf("got %v", err)
	}
	if e.srv.Count() != 0 {
		t.Fatal("a refused session is open")
	}
	if seen.Load() == nil {
		t.Fatal("AllowRequest was not asked")
	}
}
