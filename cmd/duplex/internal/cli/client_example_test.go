package cli

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/duplexio/duplex/socketio"
)

// startReadmeServer is the README's "A server in 20 lines": join takes no
// acknowledgement, chat answers one.
func startReadmeServer(t *testing.T) string {
	t.Helper()
	io := socketio.NewServer(nil)
	io.OnConnection(func(s *socketio.Socket) {
		s.On("join", func(room string) { s.Join(room) })
		s.On("chat", func(room, text string, ack socketio.AckFunc) {
			_ = s.To(room).Emit("chat", s.ID(), text)
			ack("delivered")
		})
	})
	ts := httptest.NewServer(io)
	t.Cleanup(func() {
		_ = io.Close()
		ts.Close()
	})
	return ts.URL
}

// usageExample finds the stdin example of the usage text: the printf
// input, with its \n made newlines, and the arguments after "duplex client".
func usageExample(t *testing.T) (stdin string, args []string) {
	t.Helper()
	for _, line := range strings.Split(clientUsage, "\n") {
		line = strings.TrimSpace(line)
		input, cmd, ok := strings.Cut(strings.TrimPrefix(line, "printf '"), "' | duplex client ")
		if ok && strings.HasPrefix(line, "printf '") {
			return strings.ReplaceAll(input, `\n`, "\n"), strings.Fields(cmd)
		}
	}
	t.Fatal("the usage text has no printf example")
	return "", nil
}

// The stdin example of `duplex client -h`, run as written against the
// README's server, prints the acknowledgements promptly and succeeds.
func TestClientUsageExample(t *testing.T) {
	t.Parallel()
	url := strings.Replace(startReadmeServer(t), "http://", "ws://", 1)
	stdin, args := usageExample(t)
	for i, a := range args {
		args[i] = strings.Replace(a, "ws://localhost:3000", url, 1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	r := run(t, ctx, strings.NewReader(stdin), args...)
	r.want(t, 0, `{"ack":["delivered"]}`, `{"ack":["delivered"]}`)
	if r.stderr != "" {
		t.Errorf("stderr %q", r.stderr)
	}
}

// An event whose handler takes no acknowledgement, sent with --ack, times
// out with a message that says why and what to do.
func TestClientAckTimeoutMessage(t *testing.T) {
	t.Parallel()
	url := startReadmeServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	r := run(t, ctx, strings.NewReader("join [\"lobby\"]\n"), url, "--ack", "--timeout", "300ms")
	r.want(t, 1)
	const want = "duplex client: no acknowledgement of \"join\" within 300ms (does the server's handler answer one? without --ack, events are sent without waiting)\n"
	if r.stderr != want {
		t.Errorf("stderr %q\nwant   %q", r.stderr, want)
	}
}
