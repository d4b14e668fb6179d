package socketio

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/duplexio/duplex/internal/eiotest"
)

// TestConnBindsDeferrer: the engine hands each connection the Deferrer
// that runs handlers on the goroutine that read their event (it is no
// longer a public method of engineio.Session), before its first message.
func TestConnBindsDeferrer(t *testing.T) {
	t.Parallel()
	io := NewServer(nil)
	ts := httptest.NewServer(io)
	t.Cleanup(func() { ts.Close(); _ = io.Close() })
	got := make(chan bool, 1)
	io.OnConnection(func(s *Socket) {
		s.On("probe", func() {
			got <- s.conn.deferrer != nil
		})
	})
	c := eiotest.DialSIO(t, ts.URL, eiotest.Options{Transport: "websocket"})
	if _, err := c.Connect("/", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Emit("/", nil, "probe"); err != nil {
		t.Fatal(err)
	}
	select {
	case bound := <-got:
		if !bound {
			t.Error("the connection has no Deferrer")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("handler not called")
	}
}
