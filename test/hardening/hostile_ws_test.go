package hardening_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lxzan/gws"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/internal/eiotest"
	"github.com/duplexio/duplex/socketio"
)

// hostileWS are WebSocket frames sent after joining "/" over a raw
// WebSocket: the server closes the connection with code, and the socket's
// disconnect listener gets reason.
var hostileWS = []struct {
	name   string
	frame  eiotest.Frame
	code   uint16
	reason string
}{
	{"garbage", eiotest.Frame{Data: []byte("x")}, 1000, "parse error packet: invalid packet: unknown packet type 'x'"},
	{"empty text", eiotest.Frame{Data: []byte{}}, 1000, "parse error packet: invalid packet: empty packet"},
	{"unknown packet type", eiotest.Frame{Data: []byte("9")}, 1000, "parse error packet: invalid packet: unknown packet type '9'"},
	{"client ping", eiotest.Frame{Data: []byte("2")}, 1000, "transport error packet: invalid packet: invalid heartbeat direction"},
	{"oversized text", eiotest.Frame{Data: []byte("4" + strings.Repeat("x", 1000))}, 1009, "transport error websocket: message too large (close 1009)"},
	{"oversized binary", eiotest.Frame{Data: make([]byte, 1001), Binary: true}, 1009, "transport error websocket: message too large (close 1009)"},
	{"invalid UTF-8", eiotest.Frame{Data: []byte("42[\"echo\",\"\xc3\x28\"]")}, 1007, "transport error websocket: invalid UTF-8 in text message (close 1007)"},
}

// wsURL is the address of a WebSocket handshake on e.
func (e *env) wsURL(query string) string {
	return "ws" + strings.TrimPrefix(e.url, "http") + "/socket.io/?EIO=4&transport=websocket" + query
}

// rawWS opens a raw WebSocket session and joins "/" tagged tag.
func rawWS(t testing.TB, e *env, tag string) *eiotest.WS {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	ws, err := eiotest.DialWS(ctx, e.wsURL(""), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ws.Close)
	if f, err := ws.Recv(wait); err != nil || f.Data[0] != '0' {
		t.Fatalf("OPEN: %q, %v", f.Data, err)
	}
	if err := ws.WriteText(`40{"tag":"` + tag + `"}`); err != nil {
		t.Fatal(err)
	}
	if f, err := ws.Recv(wait); err != nil || !strings.HasPrefix(string(f.Data), `40{"sid":`) {
		t.Fatalf("CONNECT: %q, %v", f.Data, err)
	}
	return ws
}

func TestHostileWebSocketFrames(t *testing.T) {
	t.Parallel()
	e := newLimitedEnv(t)
	bystander := e.client(t, "polling", "")
	for _, tt := range hostileWS {
		t.Run(tt.name, func(t *testing.T) {
			tag := "ws/" + tt.name
			ws := rawWS(t, e, tag)
			var err error
			if tt.frame.Binary {
				err = ws.WriteBinary(tt.frame.Data)
			} else {
				err = ws.WriteText(string(tt.frame.Data))
			}
			if err != nil {
				t.Fatal(err)
			}
			select {
			case <-ws.Closed():
			case <-time.After(wait):
				t.Fatal("connection still open")
			}
			var ce *gws.CloseError
			code := uint16(0) // no close frame
			if errors.As(ws.Err(), &ce) {
				code = ce.Code
			}
			if code != tt.code {
				t.Errorf("close %v, want code %d", ws.Err(), tt.code)
			}
			if got := e.reason(t, tag); got != tt.reason {
				t.Errorf("disconnect reason %q, want %q", got, tt.reason)
			}
		})
	}
	e.healthy(t, bystander)
}

// TestHostileUpgrades: the ways a client can get an upgrade wrong.
func TestHostileUpgrades(t *testing.T) {
	t.Parallel()
	e := newLimitedEnv(t)
	bystander := e.client(t, "websocket", "")
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()

	t.Run("upgrade without probe", func(t *testing.T) {
		// As in Node's engine.io, the probe is the client's check, not the
		// server's: "5" alone moves the session to the WebSocket.
		c := e.client(t, "polling", "")
		ws, err := eiotest.DialWS(ctx, e.wsURL("&sid="+c.SID()), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		if err := ws.WriteText("5"); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "upgrade", func() bool {
			s := e.io.Engine().Session(c.SID())
			return s != nil && s.Transport() == "websocket"
		})
		if err := ws.WriteText(`421["echo","up"]`); err != nil {
			t.Fatal(err)
		}
		for {
			f, err := ws.Recv(wait)
			if err != nil {
				t.Fatal(err)
			}
			if string(f.Data) == `431["up"]` {
				break
			}
		}
	})
	t.Run("garbage probe", func(t *testing.T) {
		c := e.client(t, "polling", "")
		ws, err := eiotest.DialWS(ctx, e.wsURL("&sid="+c.SID()), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		_ = ws.WriteText("4hello")
		<-ws.Closed()
		var ce *gws.CloseError
		if !errors.As(ws.Err(), &ce) || ce.Code != 1000 {
			t.Errorf("probe closed with %v, want 1000", ws.Err())
		}
		if err := echo(t, c, 3); err != nil {
			t.Errorf("polling session after a dropped probe: %v", err)
		}
	})
	t.Run("second probe", func(t *testing.T) {
		c := e.client(t, "polling", "")
		ws, err := eiotest.DialWS(ctx, e.wsURL("&sid="+c.SID()), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		secondClosed(t, ctx, e.wsURL("&sid="+c.SID()))
		if err := echo(t, c, 3); err != nil {
			t.Errorf("polling session after a refused probe: %v", err)
		}
	})
	t.Run("websocket sid over websocket", func(t *testing.T) {
		c := e.client(t, "websocket", "")
		secondClosed(t, ctx, e.wsURL("&sid="+c.SID()))
		if err := echo(t, c, 3); err != nil {
			t.Errorf("session after the refused WebSocket: %v", err)
		}
	})
	t.Run("unknown sid", func(t *testing.T) {
		_, err := eiotest.DialWS(ctx, e.wsURL("&sid=AAAAAAAAAAAAAAAAAAAA"), nil)
		var he *eiotest.HTTPError
		if !errors.As(err, &he) || he.Status != 400 || he.Body != engineError(1, "Session ID unknown") {
			t.Errorf("unknown sid: %v, want 400 %s", err, engineError(1, "Session ID unknown"))
		}
	})
	e.healthy(t, bystander)
}

// TestStalledHandshakes: a WebSocket handshake whose request never ends is
// the http.Server's to cut (ReadHeaderTimeout, see SECURITY.md); one that
// completes but never joins a namespace is closed after ConnectTimeout; one
// that stops answering pings is closed after pingInterval+pingTimeout.
func TestStalledHandshakes(t *testing.T) {
	t.Parallel()
	e := newEnvHTTP(t, &socketio.Options{
		ConnectTimeout: 300 * time.Millisecond,
		Engine:         engineio.Options{PingInterval: 200 * time.Millisecond, PingTimeout: 200 * time.Millisecond},
	}, func(s *http.Server) { s.ReadHeaderTimeout = 300 * time.Millisecond })
	bystander := e.client(t, "websocket", "")

	t.Run("request never ends", func(t *testing.T) {
		conn, err := net.Dial("tcp", e.ts.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_, _ = conn.Write([]byte("GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"))
		_ = conn.SetReadDeadline(time.Now().Add(wait))
		start := time.Now()
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err == nil {
			resp.Body.Close()
			t.Errorf("answer %d, want the connection closed", resp.StatusCode)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("connection closed after %v", d)
		}
	})
	t.Run("never joins", func(t *testing.T) {
		for _, tr := range transports {
			c := eiotest.DialSIO(t, e.url, eiotest.Options{Transport: tr})
			expectClosed(t, c)
		}
	})
	t.Run("never pongs", func(t *testing.T) {
		for _, tr := range transports {
			c := eiotest.DialSIO(t, e.url, eiotest.Options{Transport: tr, NoAutoPong: true})
			if _, err := c.Connect("/", map[string]string{"tag": "nopong/" + tr}); err != nil {
				t.Fatal(err)
			}
			expectClosed(t, c)
			if got := e.reason(t, "nopong/"+tr); got != "ping timeout" {
				t.Errorf("%s: reason %q, want ping timeout", tr, got)
			}
		}
	})
	e.healthy(t, bystander)
}

// secondClosed opens a second WebSocket for a session that has one (or is
// probing one): as from Node, the handshake completes and the server
// closes it with a close frame, which a client sees as a close, not an
// error.
func secondClosed(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	ws, err := eiotest.DialWS(ctx, url, nil)
	if err != nil {
		t.Fatalf("second WebSocket: %v, want a handshake then a close", err)
	}
	defer ws.Close()
	select {
	case <-ws.Closed():
	case <-time.After(wait):
		t.Fatal("second WebSocket still open")
	}
	var ce *gws.CloseError
	if !errors.As(ws.Err(), &ce) || ce.Code != 1000 {
		t.Errorf("second WebSocket closed with %v, want a close frame 1000", ws.Err())
	}
}
