package client

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/lxzan/gws"

	"github.com/duplexio/duplex/socketio"
)

// badProbe answers every WebSocket message with a wrong probe answer.
type badProbe struct{ gws.BuiltinEventHandler }

func (badProbe) OnMessage(c *gws.Conn, _ *gws.Message) { _ = c.WriteString("3nope") }

// TestUpgradeFails: when the upgrade fails, at the WebSocket handshake or
// at the probe, the connection stays on polling and keeps working.
func TestUpgradeFails(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ws   func(w http.ResponseWriter, r *http.Request)
	}{
		{"handshake refused", func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "no", http.StatusBadRequest)
		}},
		{"wrong probe answer", func(w http.ResponseWriter, r *http.Request) {
			c, err := gws.NewUpgrader(badProbe{}, nil).Upgrade(w, r)
			if err == nil {
				c.ReadLoop()
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			io := socketio.NewServer(nil)
			setupGoFixture(io)
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Query().Get("transport") == TransportWebSocket {
					tt.ws(w, r)
					return
				}
				io.ServeHTTP(w, r)
			}))
			t.Cleanup(func() {
				_ = io.Close()
				ts.Close()
			})
			s := dial(t, urlServer(ts.URL), "/", testOptions(nil))
			time.Sleep(200 * time.Millisecond) // for the upgrade to fail
			for i := range 5 {
				jsonEqual(t, ackValues(t, s, "message-with-ack", i), []any{i})
			}
			if tr := s.Manager().Transport(); tr != TransportPolling {
				t.Errorf("transport %q after a failed upgrade", tr)
			}
		})
	}
}

// urlServer is a testServer that is only a URL.
type urlServer string

func (u urlServer) URL() string    { return string(u) }
func (urlServer) Stop()            {}
func (urlServer) Start(testing.TB) {}
