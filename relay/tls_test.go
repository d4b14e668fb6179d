package relay_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/internal/testtime"
	"github.com/duplexio/duplex/relay"
)

// TestForwardOverTLS runs two nodes that serve HTTPS themselves: a request
// for the first node's session, sent to the second, is forwarded over TLS.
func TestForwardOverTLS(t *testing.T) {
	t.Parallel()
	bus := &memBus{}
	owner := startTLSNode(t, bus)
	other := startTLSNode(t, bus)
	testtime.Until(t, "the nodes know each other", func() bool { return len(other.relay.Peers()) == 1 })

	client := owner.ts.Client()
	resp, err := client.Get(owner.ts.URL + "/engine.io/?EIO=4&transport=polling")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	_ = resp.Body.Close()
	body := buf.String()
	sid := body[strings.Index(body, `"sid":"`)+7:]
	sid = sid[:strings.IndexByte(sid, '"')]

	req, _ := http.NewRequest(http.MethodPost, other.ts.URL+"/engine.io/?EIO=4&transport=polling&sid="+sid, strings.NewReader("4over tls"))
	resp, err = client.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("POST through the other node: %v %v", resp, err)
	}
	_ = resp.Body.Close()
	resp, err = client.Get(other.ts.URL + "/engine.io/?EIO=4&transport=polling&sid=" + sid)
	if err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	_, _ = buf.ReadFrom(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK || buf.String() != "4over tls" {
		t.Fatalf("GET through the other node: %d %q", resp.StatusCode, buf.String())
	}
}

// tlsNode is an Engine.IO echo server on HTTPS with its relay.
type tlsNode struct {
	relay *relay.Relay
	ts    *httptest.Server
}

// startTLSNode starts an HTTPS echo node on bus whose relay trusts
// httptest's certificate, the one every such node serves.
func startTLSNode(t *testing.T, bus relay.Bus) *tlsNode {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	ts.StartTLS()
	roots := x509.NewCertPool()
	roots.AddCert(ts.Certificate())
	r := relay.New(bus, &relay.Options{TLS: &tls.Config{RootCAs: roots}})
	srv := engineio.NewServer(&engineio.Options{Router: r}, func(s *engineio.Session) engineio.Receiver { return echo{s} })
	ts.Config.Handler = srv
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		_ = srv.Shutdown(ctx)
		ts.Close()
		_ = r.Close()
	})
	if err := r.Start(strings.TrimPrefix(ts.URL, "https://")); err != nil {
		t.Fatal(err)
	}
	return &tlsNode{relay: r, ts: ts}
}
