package main

import (
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/duplexio/duplex/internal/testservice"
	"github.com/duplexio/duplex/internal/testtime"
	"github.com/duplexio/duplex/internal/wttest"
)

// TestRelayNodes starts two nodes on each broker: a session opened on one
// is served through the other, as a round-robin balancer would send it.
func TestRelayNodes(t *testing.T) {
	t.Parallel()
	for _, broker := range []string{"redis", "nats"} {
		t.Run(broker, func(t *testing.T) {
			t.Parallel()
			var svc *testservice.Server
			if broker == "redis" {
				svc = testservice.StartRedis(t)
			} else {
				svc = testservice.StartNATS(t)
			}
			a, logs, _ := startServer(t, "--"+broker, svc.URL())
			b, _, _ := startServer(t, "--"+broker, svc.URL())
			if !strings.Contains(logs.String(), "advertise=127.0.0.1:") {
				t.Fatalf("no advertised address in the log: %s", logs)
			}
			_, body := getBody(t, a+"socket.io/?EIO=4&transport=polling")
			sid := body[strings.Index(body, `"sid":"`)+7:]
			sid = sid[:strings.IndexByte(sid, '"')]
			session := b + "socket.io/?EIO=4&transport=polling&sid=" + sid
			// b learns of a within a moment of a's start: a says hello.
			testtime.Until(t, "the CONNECT posted through the other node", func() bool {
				resp, err := http.Post(session, "text/plain", strings.NewReader(`40{"name":"ann"}`))
				if err != nil {
					return false
				}
				_ = resp.Body.Close()
				return resp.StatusCode == http.StatusOK
			})
			resp, body := getBody(t, session)
			// 40{"pid":...,"sid":...}: the chat turns recovery on.
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(body, `40{`) || !strings.Contains(body, `"sid":`) {
				t.Fatalf("connect through the other node: %d %q", resp.StatusCode, body)
			}
			// The client leaves, through the other node too: a session left
			// open would hold a's shutdown until its ping timeout.
			resp, err := http.Post(session, "text/plain", strings.NewReader("1"))
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("close through the other node: %v %v", resp, err)
			}
			_ = resp.Body.Close()
		})
	}
}

// TestAdvertiseAddr checks the address a node gives its peers.
func TestAdvertiseAddr(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ listen, broker, want string }{
		{"10.1.2.3:3000", "127.0.0.1:9", "10.1.2.3:3000"},
		{"0.0.0.0:3000", "127.0.0.1:9", "127.0.0.1:3000"},
		{"[::]:3001", "127.0.0.1:10", "127.0.0.1:3001"},
		{"[::]:3001", "", "127.0.0.1:3001"},
	} {
		listen, _ := net.ResolveTCPAddr("tcp", tt.listen)
		if got := advertiseAddr(listen, tt.broker); got != tt.want {
			t.Errorf("advertiseAddr(%s, %q) = %s, want %s", tt.listen, tt.broker, got, tt.want)
		}
	}
}

// TestPeerTLS checks the pinning of forwarding over TLS: a peer serving
// this node's certificate is reached, one serving another is refused.
func TestPeerTLS(t *testing.T) {
	t.Parallel()
	own, other := wttest.NewCert(t), wttest.NewCert(t)
	client := peerTLS(&tls.Config{Certificates: []tls.Certificate{own.TLS}})
	for _, tt := range []struct {
		name  string
		serve wttest.Cert
		ok    bool
	}{{"same certificate", own, true}, {"another certificate", other, false}} {
		ts := httptest.NewUnstartedServer(http.NotFoundHandler())
		ts.TLS = &tls.Config{Certificates: []tls.Certificate{tt.serve.TLS}}
		ts.StartTLS()
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: client}}
		resp, err := c.Get(ts.URL)
		if err == nil {
			_ = resp.Body.Close()
		}
		if (err == nil) != tt.ok {
			t.Errorf("%s: err %v", tt.name, err)
		}
		c.CloseIdleConnections()
		ts.Close()
	}
	if peerTLS(nil) != nil {
		t.Error("peerTLS(nil) is not nil: a node without --tls-cert forwards over HTTP")
	}
}
