package chat_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/duplexio/duplex/cmd/duplex/internal/chat"
	"github.com/duplexio/duplex/cmd/duplex/internal/chat/chattest"
	"github.com/duplexio/duplex/internal/eiotest"
	"github.com/duplexio/duplex/internal/testtime"
	"github.com/duplexio/duplex/socketio"
)

func TestMain(m *testing.M) { eiotest.CheckLeaks(m) }

// wait bounds what a test waits for; quiet is how long it listens to check
// that something does NOT arrive.
const (
	wait  = testtime.Wait
	quiet = 150 * time.Millisecond
)

// newServer starts a Socket.IO server with the chat on "/" behind an
// httptest server, shut down by Cleanup.
func newServer(t *testing.T, opts *chat.Options) (string, *chat.Chat) {
	t.Helper()
	return newServerWith(t, nil, opts)
}

// newServerWith is newServer with the Socket.IO server's options.
func newServerWith(t *testing.T, sopts *socketio.Options, opts *chat.Options) (string, *chat.Chat) {
	t.Helper()
	io := socketio.NewServer(sopts)
	c := chat.Register(io.Sockets(), opts)
	ts := httptest.NewServer(io)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if err := io.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		ts.Close()
	})
	return ts.URL, c
}

// The chat's test client, shared with the cluster tests (chattest).
type (
	client = chattest.Client
	ack    = chattest.Ack
)

// connect connects with the display name, reads the welcome, and listens
// quiet for what should not arrive.
func connect(t *testing.T, url, name string) *client {
	t.Helper()
	c := chattest.Connect(t, url, name)
	c.Quiet = quiet
	return c
}

var (
	refused     = chattest.Refused
	isEvent     = chattest.IsEvent
	decodeFirst = chattest.DecodeFirst
)
