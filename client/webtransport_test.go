package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"testing"

	"github.com/quic-go/webtransport-go"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/internal/wttest"
	"github.com/duplexio/duplex/socketio"
)

// TestDialWebTransport: the Go client connects to our server over
// WebTransport directly (Transports: webtransport), emits with acks both
// ways and in binary, and disconnects.
func TestDialWebTransport(t *testing.T) {
	t.Parallel()
	io := socketio.NewServer(&socketio.Options{Engine: engineio.Options{
		Transports: []string{engineio.TransportPolling, engineio.TransportWebSocket, engineio.TransportWebTransport},
	}})
	setupGoFixture(io)
	cert := wttest.NewCert(t)
	conn := wttest.ListenUDP(t, 0)
	wttest.Serve(t, conn, cert, func(wt *webtransport.Server) http.Handler { return io.WebTransportHandler(wt) })
	t.Cleanup(func() { _ = io.Shutdown(context.Background()) })
	pool := x509.NewCertPool()
	leaf, _ := x509.ParseCertificate(cert.TLS.Certificate[0])
	pool.AddCert(leaf)

	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	url := fmt.Sprintf("https://localhost:%d", conn.LocalAddr().(*net.UDPAddr).Port)
	s, err := Dial(ctx, url, &Options{Transports: []string{TransportWebTransport}, TLSConfig: &tls.Config{RootCAs: pool}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	jsonEqual(t, ackValues(t, s, "message-with-ack", "héllo", map[string]any{"n": 1}), []any{"héllo", map[string]any{"n": 1}})
	jsonEqual(t, ackValues(t, s, "message-with-ack", []byte{1, 2, 3}), []any{[]byte{1, 2, 3}})
	// an ack the server asks of the client
	s.On("server-request", func(args Args, ack AckFunc) {
		v, _ := args.Values()
		ack(v...)
	})
	got := ackValues(t, s, "request-ack", 5000, "ping")
	jsonEqual(t, got, []any{map[string]any{"ok": true, "args": []any{"ping"}}})
}
