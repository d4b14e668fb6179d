package socketio_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/duplexio/duplex/socketio"
)

// TestArgErrorAck: when the arguments do not fit the handler and the
// client asked for an acknowledgement, it gets an error object at once
// instead of waiting for its timeout. The server of the README.
func TestArgErrorAck(t *testing.T) {
	t.Parallel()
	forEachTransport(t, func(t *testing.T, tr string) {
		io, url := newServer(t, nil)
		errs := make(chan error, 8)
		onConnect(io, func(s *socketio.Socket) {
			s.On("chat", func(room, text string, ack socketio.AckFunc) { ack("delivered") })
			s.OnError(func(err error) { errs <- err })
		})
		c, _ := connect(t, url, tr, "/")
		send(t, c, `21["chat",42,{"x":1}]`)
		expect(t, c, `31[{"error":"invalid argument 0: want string"}]`)
		send(t, c, `22["chat","room"]`)
		expect(t, c, `32[{"error":"missing argument 1: want string"}]`)
		send(t, c, `2["chat",42]`) // no ack asked: nothing to answer
		send(t, c, `23["chat","room","hi"]`)
		expect(t, c, `33["delivered"]`)
		for i := range 3 {
			var ae *socketio.ArgError
			if err := recv(t, errs, "OnError"); !errors.As(err, &ae) || ae.Event != "chat" {
				t.Errorf("OnError %d got %v, want an *ArgError of chat", i, err)
			}
		}
	})
}

// TestArgErrorParam: a handler with an error parameter is called with the
// decode error and answers the ack itself; OnError is not involved.
func TestArgErrorParam(t *testing.T) {
	t.Parallel()
	io, url := newServer(t, nil)
	errs := make(chan error, 1)
	onConnect(io, func(s *socketio.Socket) {
		s.On("chat", func(room, text string, err error, ack socketio.AckFunc) {
			if err != nil {
				ack(map[string]any{"code": 400, "message": err.Error()})
				return
			}
			ack("delivered to " + room)
		})
		s.OnError(func(err error) { errs <- err })
	})
	c, _ := connect(t, url, "websocket", "/")
	send(t, c, `21["chat","lobby",7]`)
	expect(t, c, `31[{"code":400,"message":"event \"chat\" argument 1: want string: json: cannot unmarshal number into Go value of type string"}]`)
	send(t, c, `22["chat","lobby","hi"]`)
	expect(t, c, `32["delivered to lobby"]`)
	none(t, errs, "OnError")
}

// TestOnArgErrorHook: the hook sees the error and may answer the ack; the
// library answers only when the hook did not.
func TestOnArgErrorHook(t *testing.T) {
	t.Parallel()
	seen := make(chan string, 4)
	io, url := newServer(t, &socketio.Options{OnArgError: func(s *socketio.Socket, err *socketio.ArgError, ack socketio.AckFunc) {
		seen <- fmt.Sprint(err.Event, " ", err.Index)
		if err.Event == "custom" {
			ack("custom answer")
		}
	}})
	onConnect(io, func(s *socketio.Socket) {
		s.On("custom", func(n int, ack socketio.AckFunc) { ack(n) })
		s.On("default", func(n int, ack socketio.AckFunc) { ack(n) })
	})
	c, _ := connect(t, url, "websocket", "/")
	send(t, c, `21["custom","x"]`)
	expect(t, c, `31["custom answer"]`)
	send(t, c, `22["default",{}]`)
	expect(t, c, `32[{"error":"invalid argument 0: want number"}]`)
	for _, want := range []string{"custom 0", "default 0"} {
		if got := recv(t, seen, "OnArgError"); got != want {
			t.Errorf("OnArgError got %q, want %q", got, want)
		}
	}
}

// TestArgErrorLoggedOncePerSocket: by default the first argument error of
// a socket is logged at debug level, with the event name, and the next
// ones are not: a client must not be able to fill the log.
func TestArgErrorLoggedOncePerSocket(t *testing.T) {
	t.Parallel()
	var buf lockedBuffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	io, url := newServer(t, &socketio.Options{Logger: logger})
	onConnect(io, func(s *socketio.Socket) { s.On("move", func(x, y int, ack socketio.AckFunc) { ack() }) })
	for range 2 {
		c, _ := connect(t, url, "websocket", "/")
		for id := range 3 {
			send(t, c, fmt.Sprintf(`2%d["move","left"]`, id))
			expect(t, c, fmt.Sprintf(`3%d[{"error":"invalid argument 0: want number"}]`, id))
		}
	}
	lines := buf.linesWith("socketio: arguments do not fit the handler")
	if len(lines) != 2 {
		t.Fatalf("logged %d times, want once per socket (2):\n%s", len(lines), strings.Join(lines, "\n"))
	}
	for _, l := range lines {
		if !strings.Contains(l, "level=DEBUG") || !strings.Contains(l, "event=move") {
			t.Errorf("log line %q: want level DEBUG and event=move", l)
		}
	}
}

type chatMessage struct {
	Text string `json:"text"`
}

// TestExactKeys: object keys fill struct fields only when they match
// exactly, as in JavaScript, unless Options.CaseInsensitiveKeys.
func TestExactKeys(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		fold bool
		want string
	}{{false, `31["hello"]`}, {true, `31["evil"]`}} {
		t.Run(fmt.Sprint("fold=", tt.fold), func(t *testing.T) {
			t.Parallel()
			io, url := newServer(t, &socketio.Options{CaseInsensitiveKeys: tt.fold})
			onConnect(io, func(s *socketio.Socket) {
				s.On("msg", func(m chatMessage, ack socketio.AckFunc) { ack(m.Text) })
				s.On("args", func(a socketio.Args, ack socketio.AckFunc) {
					var m chatMessage
					_ = a.Decode(0, &m)
					ack(m.Text)
				})
			})
			c, _ := connect(t, url, "websocket", "/")
			send(t, c, `21["msg",{"text":"hello","TEXT":"evil"}]`)
			expect(t, c, tt.want)
			send(t, c, `21["args",{"text":"hello","TEXT":"evil"}]`)
			expect(t, c, tt.want)
		})
	}
}

// lockedBuffer is a bytes.Buffer for a logger written from several
// goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) linesWith(s string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for l := range strings.Lines(b.buf.String()) {
		if strings.Contains(l, s) {
			out = append(out, strings.TrimSpace(l))
		}
	}
	return out
}
