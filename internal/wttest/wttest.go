// Package wttest serves and dials WebTransport (HTTP/3) for tests: a
// self-signed ECDSA certificate that browsers accept by its hash
// (serverCertificateHashes: ECDSA, valid for at most 14 days), an HTTP/3
// server on a UDP port of 127.0.0.1, and an Engine.IO client stream.
package wttest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
	"github.com/quic-go/webtransport-go"

	"github.com/duplexio/duplex/engineio/packet"
)

// Cert is a self-signed certificate for localhost and 127.0.0.1.
type Cert struct {
	TLS  tls.Certificate
	Hash [32]byte // SHA-256 of the DER certificate, for serverCertificateHashes
}

// NewCert is GenerateCert that fails the test on error.
func NewCert(tb testing.TB) Cert {
	tb.Helper()
	c, err := GenerateCert()
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// GenerateCert makes an ECDSA P-256 certificate valid for 10 days.
func GenerateCert() (Cert, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Cert{}, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano()),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    now.Add(-time.Hour), NotAfter: now.Add(10 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return Cert{}, err
	}
	return Cert{TLS: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, Hash: sha256.Sum256(der)}, nil
}

// Serve serves handler (which gets the WebTransport server to upgrade
// with) over HTTP/3 on conn, a UDP socket the caller bound. Cleanup closes
// the server.
func Serve(tb testing.TB, conn net.PacketConn, cert Cert, handler func(*webtransport.Server) http.Handler) *webtransport.Server {
	tb.Helper()
	wt := &webtransport.Server{
		H3: &http3.Server{
			TLSConfig: http3.ConfigureTLSConfig(&tls.Config{Certificates: []tls.Certificate{cert.TLS}}),
		},
		CheckOrigin: func(*http.Request) bool { return true }, // the engine checks it
	}
	webtransport.ConfigureHTTP3Server(wt.H3)
	wt.H3.Handler = handler(wt)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = wt.Serve(conn)
	}()
	tb.Cleanup(func() {
		_ = wt.Close()
		_ = conn.Close()
		<-done
	})
	return wt
}

// ListenUDP binds a UDP socket on 127.0.0.1, on port (0: any free one).
func ListenUDP(tb testing.TB, port int) net.PacketConn {
	tb.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	if err != nil {
		tb.Fatal(err)
	}
	return conn
}

// ListenPair binds a TCP port of 127.0.0.1 and the UDP port of the same
// number, as a browser expects HTTP/3 beside HTTP/1.1, trying a few free
// TCP ports.
func ListenPair(tb testing.TB) (net.Listener, net.PacketConn) {
	tb.Helper()
	for range 10 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatal(err)
		}
		udp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: ln.Addr().(*net.TCPAddr).Port})
		if err == nil {
			return ln, udp
		}
		_ = ln.Close()
	}
	tb.Fatal("wttest: no TCP port whose UDP twin is free")
	return nil, nil
}

// Client is an Engine.IO client over one WebTransport stream, as
// engine.io-client's webtransport transport.
type Client struct {
	tr   *webtransport.Transport
	Sess *webtransport.Session
	Str  *webtransport.Stream
	dec  *packet.StreamReader
}

// Dial opens a WebTransport session to url, trusting cert alone, and its
// bidirectional stream, and writes the OPEN packet: empty, or {"sid":sid}
// to probe an upgrade. The caller closes the client.
func Dial(ctx context.Context, url string, cert Cert, sid string) (*Client, error) {
	pool := x509.NewCertPool()
	leaf, err := x509.ParseCertificate(cert.TLS.Certificate[0])
	if err != nil {
		return nil, err
	}
	pool.AddCert(leaf)
	tr := &webtransport.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"},
		QUICConfig:      &quic.Config{EnableDatagrams: true, EnableStreamResetPartialDelivery: true},
	}
	c := &Client{tr: tr}
	rsp, sess, err := tr.Dial(ctx, url, nil)
	if err != nil {
		c.Close()
		return nil, err
	}
	c.Sess = sess
	if rsp.StatusCode != http.StatusOK {
		c.Close()
		return nil, fmt.Errorf("wttest: status %d", rsp.StatusCode)
	}
	if c.Str, err = sess.OpenStreamSync(ctx); err != nil {
		c.Close()
		return nil, err
	}
	c.dec = packet.NewStreamReader(c.Str, 1<<30)
	open := packet.Packet{Type: packet.Open}
	if sid != "" {
		open.Data = fmt.Appendf(nil, `{"sid":%q}`, sid)
	}
	if err := c.Send(open); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Close closes the session and the client's QUIC connections.
func (c *Client) Close() {
	if c.Sess != nil {
		_ = c.Sess.CloseWithError(0, "")
	}
	_ = c.tr.Close()
}

// DialT is Dial that fails the test on error; Cleanup closes the client.
func DialT(ctx context.Context, tb testing.TB, url string, cert Cert, sid string) *Client {
	tb.Helper()
	c, err := Dial(ctx, url, cert, sid)
	if err != nil {
		tb.Fatalf("wttest: dial %s: %v", url, err)
	}
	tb.Cleanup(c.Close)
	return c
}

// Send writes packets, framed.
func (c *Client) Send(pkts ...packet.Packet) error {
	var b []byte
	for _, p := range pkts {
		b = packet.AppendStreamFrame(b, p)
	}
	_, err := c.Str.Write(b)
	return err
}

// Recv reads the next packet, waiting up to d; its Data is a copy.
func (c *Client) Recv(d time.Duration) (packet.Packet, error) {
	_ = c.Str.SetReadDeadline(time.Now().Add(d))
	p, err := c.dec.Next()
	if err != nil {
		return p, err
	}
	p.Data = append([]byte(nil), p.Data...)
	return p, nil
}

// RecvSkipPings reads the next packet that is not a ping, answering pings.
func (c *Client) RecvSkipPings(d time.Duration) (packet.Packet, error) {
	for {
		p, err := c.Recv(d)
		if err != nil || p.Type != packet.Ping {
			return p, err
		}
		if err := c.Send(packet.Packet{Type: packet.Pong}); err != nil {
			return p, err
		}
	}
}

// WaitClosed waits up to d until the server ends the stream or closes the
// session, reading (and dropping) what comes before.
func (c *Client) WaitClosed(d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		_, err := c.Recv(time.Until(deadline))
		var ne net.Error
		switch {
		case err == nil:
		case errors.As(err, &ne) && ne.Timeout():
			return errors.New("wttest: session still open")
		default:
			return nil // the stream's end, a reset or the session's close
		}
	}
}
