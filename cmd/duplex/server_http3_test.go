package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/duplexio/duplex/engineio/packet"
	"github.com/duplexio/duplex/internal/wttest"
)

// writeCert writes cert's certificate and key as PEM files.
func writeCert(t *testing.T, cert wttest.Cert) (certFile, keyFile string) {
	t.Helper()
	dir := t.TempDir()
	key, err := x509.MarshalPKCS8PrivateKey(cert.TLS.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.TLS.Certificate[0]}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// TestHTTP3WebTransport: with --tls-cert, --tls-key and --http3-addr,
// duplex serves HTTPS, offers webtransport in the handshake's upgrades and
// runs Engine.IO and Socket.IO over a WebTransport session, which a
// graceful shutdown closes.
func TestHTTP3WebTransport(t *testing.T) {
	cert := wttest.NewCert(t)
	certFile, keyFile := writeCert(t, cert)
	url, logs, stop := startServer(t, "--tls-cert", certFile, "--tls-key", keyFile, "--http3-addr", "127.0.0.1:0")

	pool := x509.NewCertPool()
	leaf, _ := x509.ParseCertificate(cert.TLS.Certificate[0])
	pool.AddCert(leaf)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	defer client.CloseIdleConnections()
	resp, err := client.Get(url + "socket.io/?EIO=4&transport=polling")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var hs struct{ Upgrades []string }
	if len(body) < 2 || json.Unmarshal(body[1:], &hs) != nil || fmt.Sprint(hs.Upgrades) != "[websocket webtransport]" {
		t.Fatalf("handshake over HTTPS: %q", body)
	}

	m := regexp.MustCompile(`WebTransport over HTTP/3" addr=127\.0\.0\.1:(\d+)`).FindStringSubmatch(logs.String())
	if m == nil {
		t.Fatalf("no HTTP/3 line in %q", logs.String())
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	c := wttest.DialT(ctx, t, "https://localhost:"+m[1]+"/socket.io/", cert, "")
	if p, err := c.Recv(wait); err != nil || p.Type != packet.Open {
		t.Fatalf("engine handshake: %v %q %v", p.Type, p.Data, err)
	}
	if err := c.Send(packet.Packet{Type: packet.Message, Data: []byte(`0{"name":"webtransport"}`)}); err != nil {
		t.Fatal(err)
	}
	if p, err := c.RecvSkipPings(wait); err != nil || p.Type != packet.Message || p.Data[0] != '0' {
		t.Fatalf("Socket.IO CONNECT answer: %v %q %v", p.Type, p.Data, err)
	}
	if err := stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if err := c.WaitClosed(wait); err != nil {
		t.Fatal(err)
	}
}

// A certificate that cannot be read stops the start with the flags named.
func TestTLSFilesUnreadable(t *testing.T) {
	cfg, err := parseConfig([]string{"--tls-cert", "/nonexistent/c.pem", "--tls-key", "/nonexistent/k.pem"}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	_, err = newServer(cfg, newLogger(cfg, io.Discard))
	if err == nil || !regexp.MustCompile(`^--tls-cert/--tls-key: open /nonexistent/c.pem`).MatchString(err.Error()) {
		t.Fatalf("got %v", err)
	}
}
