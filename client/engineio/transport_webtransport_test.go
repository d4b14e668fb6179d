package engineio

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/quic-go/webtransport-go"

	server "github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/internal/wttest"
)

// startWTEcho runs an echo server of this module's engineio package over
// WebTransport; sessions gets each server session.
func startWTEcho(t *testing.T, sessions chan<- *server.Session) (*url.URL, *tls.Config) {
	t.Helper()
	srv := server.NewServer(&server.Options{
		Transports: []string{server.TransportPolling, server.TransportWebSocket, server.TransportWebTransport},
		// A client that did not answer the pings would be closed after 1 s.
		PingInterval: 50 * time.Millisecond, PingTimeout: time.Second,
	}, func(s *server.Session) server.Receiver {
		sessions <- s
		return echo{s}
	})
	cert := wttest.NewCert(t)
	conn := wttest.ListenUDP(t, 0)
	wttest.Serve(t, conn, cert, func(wt *webtransport.Server) http.Handler { return srv.WebTransportHandler(wt) })
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	pool := x509.NewCertPool()
	leaf, _ := x509.ParseCertificate(cert.TLS.Certificate[0])
	pool.AddCert(leaf)
	u, _ := url.Parse(fmt.Sprintf("https://localhost:%d/engine.io/", conn.LocalAddr().(*net.UDPAddr).Port))
	return u, &tls.Config{RootCAs: pool}
}

// TestDialWebTransport: a connection opened on WebTransport carries text
// and binary both ways, answers the heartbeat, and Close ends it on both
// sides.
func TestDialWebTransport(t *testing.T) {
	t.Parallel()
	sessions := make(chan *server.Session, 1)
	u, tlsConf := startWTEcho(t, sessions)
	rec := newRecorder()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	c, err := Dial(ctx, &Config{URL: u, Transports: []string{TransportWebTransport}, TLSConfig: tlsConf}, rec)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Wait()
	s := recvOne(t, sessions, "server session")
	if c.Transport() != TransportWebTransport || s.Transport() != server.TransportWebTransport || s.ID() != c.ID() {
		t.Fatalf("client %s %s, server %s %s", c.Transport(), c.ID(), s.Transport(), s.ID())
	}
	for i, m := range []Message{{Data: []byte("héllo")}, {Data: []byte{0, 1, 255}, Binary: true}} {
		if i > 0 {
			time.Sleep(1500 * time.Millisecond) // heartbeats, which the client answers
		}
		if err := c.Write(m); err != nil {
			t.Fatal(err)
		}
		got := recvOne(t, rec.msgs, "echo")
		if string(got.Data) != string(m.Data) || got.Binary != m.Binary {
			t.Fatalf("echo %+v, want %+v", got, m)
		}
	}
	c.Close(ctx)
	if r := recvOne(t, rec.closed, "close"); r != ReasonForcedClose {
		t.Fatalf("client reason %q", r)
	}
	select {
	case <-s.Done():
	case <-ctx.Done():
		t.Fatal("the server session stayed open")
	}
}

// TestDialWebTransportRefused: a server that does not offer webtransport
// answers the session's CONNECT with 404, an *HTTPError.
func TestDialWebTransportRefused(t *testing.T) {
	t.Parallel()
	srv := server.NewServer(nil, func(s *server.Session) server.Receiver { return echo{s} })
	cert := wttest.NewCert(t)
	conn := wttest.ListenUDP(t, 0)
	wttest.Serve(t, conn, cert, func(wt *webtransport.Server) http.Handler { return srv.WebTransportHandler(wt) })
	pool := x509.NewCertPool()
	leaf, _ := x509.ParseCertificate(cert.TLS.Certificate[0])
	pool.AddCert(leaf)
	u, _ := url.Parse(fmt.Sprintf("https://localhost:%d/engine.io/", conn.LocalAddr().(*net.UDPAddr).Port))
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	_, err := Dial(ctx, &Config{URL: u, Transports: []string{TransportWebTransport}, TLSConfig: &tls.Config{RootCAs: pool}}, newRecorder())
	var he *HTTPError
	if !errors.As(err, &he) || he.StatusCode != http.StatusNotFound {
		t.Fatalf("got %v", err)
	}
}

// TestUpgradeToWebTransport: with Transports polling then webtransport,
// a connection opened over polling is upgraded to WebTransport (at the
// same port over UDP) when the server offers it, and carries messages
// before and after.
func TestUpgradeToWebTransport(t *testing.T) {
	t.Parallel()
	sessions := make(chan *server.Session, 1)
	srv := server.NewServer(&server.Options{
		Transports: []string{server.TransportPolling, server.TransportWebTransport},
	}, func(s *server.Session) server.Receiver {
		sessions <- s
		return echo{s}
	})
	cert := wttest.NewCert(t)
	ln, udp := wttest.ListenPair(t)
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	wttest.Serve(t, udp, cert, func(wt *webtransport.Server) http.Handler { return srv.WebTransportHandler(wt) })
	t.Cleanup(func() {
		_ = srv.Shutdown(context.Background())
		_ = hs.Close()
	})
	pool := x509.NewCertPool()
	leaf, _ := x509.ParseCertificate(cert.TLS.Certificate[0])
	pool.AddCert(leaf)
	u, _ := url.Parse("http://" + ln.Addr().String() + "/engine.io/")

	rec := newRecorder()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	c, err := Dial(ctx, &Config{URL: u, Transports: []string{TransportPolling, TransportWebTransport}, TLSConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"}}, rec)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Wait()
	s := recvOne(t, sessions, "server session")
	for s.Transport() != server.TransportWebTransport || c.Transport() != TransportWebTransport {
		select {
		case <-ctx.Done():
			t.Fatalf("not upgraded: client %s, server %s", c.Transport(), s.Transport())
		case <-time.After(10 * time.Millisecond):
		}
	}
	if err := c.Write(Message{Data: []byte("after")}); err != nil {
		t.Fatal(err)
	}
	if got := recvOne(t, rec.msgs, "echo"); string(got.Data) != "after" {
		t.Fatalf("echo %q", got.Data)
	}
	c.Close(ctx)
	if r := recvOne(t, rec.closed, "close"); r != ReasonForcedClose {
		t.Fatalf("client reason %q", r)
	}
}
