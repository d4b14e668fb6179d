package client

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/duplexio/duplex/socketio"
)

// handshakeServer is a server at a custom path that reports each
// connection's handshake.
func handshakeServer(t *testing.T, tls bool) (*httptest.Server, chan *socketio.Handshake) {
	t.Helper()
	got := make(chan *socketio.Handshake, 4)
	io := socketio.NewServer(&socketio.Options{Path: "/custom-path/"})
	io.OnConnection(func(s *socketio.Socket) {
		got <- s.Handshake()
		s.On("echo", func(v string, ack AckFunc) { ack(v) })
	})
	ts := httptest.NewUnstartedServer(io)
	if tls {
		ts.StartTLS()
	} else {
		ts.Start()
	}
	t.Cleanup(func() {
		_ = io.Close()
		ts.Close()
	})
	return ts, got
}

// TestOptionsReachServer: path, headers, query and TLS, over every
// transport (the WebSocket handshake carries them too).
func TestOptionsReachServer(t *testing.T) {
	t.Parallel()
	for _, secure := range []bool{false, true} {
		ts, got := handshakeServer(t, secure)
		for _, mode := range transportModes {
			name := mode.name
			if secure {
				name += "/tls"
			}
			t.Run(name, func(t *testing.T) {
				o := testOptions(mode.transports)
				o.Path = "custom-path/"
				o.Header = http.Header{"X-Token": {"t1"}}
				o.Query = url.Values{"room": {"r1"}}
				if secure {
					o.TLSConfig = ts.Client().Transport.(*http.Transport).TLSClientConfig
				}
				ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
				defer cancel()
				s, err := Dial(ctx, ts.URL+"?from=url", o)
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				h := recv(t, got, "handshake")
				if h.Header.Get("X-Token") != "t1" || h.Query.Get("room") != "r1" || h.Query.Get("from") != "url" || h.Secure != secure {
					t.Errorf("handshake headers %v, query %v, secure %v", h.Header, h.Query, h.Secure)
				}
				waitTransport(t, s, mode.transports[len(mode.transports)-1])
				jsonEqual(t, ackValues(t, s, "echo", "over "+s.Manager().Transport()), []any{"over " + s.Manager().Transport()})
			})
		}
	}
}
