package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/duplexio/duplex/socketio"
)

func TestMain(m *testing.M) {
	// RunClient's signal.NotifyContext starts os/signal's watcher, which
	// lives as long as the process.
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("os/signal.loop"))
}

const testTimeout = 20 * time.Second

// fixture is a Socket.IO server for the command's tests.
type fixture struct {
	url      string
	received chan []any // the arguments of every "note" event
}

func startFixture(t *testing.T) *fixture {
	t.Helper()
	return startFixtureWith(t, nil)
}

func startFixtureWith(t *testing.T, opts *socketio.Options) *fixture {
	t.Helper()
	f := &fixture{received: make(chan []any, 16)}
	io := socketio.NewServer(opts)
	for _, name := range []string{"/", "/custom"} {
		io.Of(name).OnConnection(func(s *socketio.Socket) {
			_ = s.Emit("welcome", s.Namespace().Name(), []byte{1, 2, 3}, s.Handshake().Auth)
			s.On("echo", func(args socketio.Args) {
				v, _ := args.Values()
				_ = s.Emit("echo-back", v...)
			})
			s.On("ack", func(args socketio.Args, ack socketio.AckFunc) {
				v, _ := args.Values()
				ack(v...)
			})
			s.On("note", func(args socketio.Args) {
				v, _ := args.Values()
				f.received <- v
			})
			s.On("kick", func() { s.Disconnect(false) })
		})
	}
	io.Of("/restricted").Use(func(*socketio.Socket) error {
		return &socketio.ConnectError{Message: "not authorized", Data: map[string]int{"code": 42}}
	})
	ts := httptest.NewServer(io)
	t.Cleanup(func() {
		_ = io.Close()
		ts.Close()
	})
	f.url = ts.URL
	return f
}

// result is what a run printed and returned.
type result struct {
	code   int
	stdout []map[string]any // the JSON lines
	stderr string
}

// run runs the command in-process with stdin, until it returns or ctx
// ends.
func run(t *testing.T, ctx context.Context, stdin io.Reader, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	code := runClient(ctx, args, stdin, &out, &errb)
	return result{code: code, stdout: parseLines(t, out.String()), stderr: errb.String()}
}

func parseLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatalf("output line %q is not a JSON object: %v", l, err)
		}
		lines = append(lines, v)
	}
	return lines
}

// only keeps the output lines that have key.
func (r result) only(key string) result {
	var kept []map[string]any
	for _, l := range r.stdout {
		if _, ok := l[key]; ok {
			kept = append(kept, l)
		}
	}
	r.stdout = kept
	return r
}

// want compares the output lines with their JSON form.
func (r result) want(t *testing.T, code int, lines ...string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit status %d, want %d (stderr %q)", r.code, code, r.stderr)
	}
	got, _ := json.Marshal(r.stdout)
	want := "[" + strings.Join(lines, ",") + "]"
	if len(lines) == 0 {
		want = "null"
	}
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad expectation %s: %v", want, err)
	}
	wb, _ := json.Marshal(w)
	if string(got) != string(wb) {
		t.Errorf("stdout %s, want %s", got, wb)
	}
}

var transportFlags = [][]string{nil, {"--transport", "polling"}, {"--transport", "websocket"}}

func TestClientCommand(t *testing.T) {
	t.Parallel()
	for _, tr := range transportFlags {
		name := "default"
		if tr != nil {
			name = tr[1]
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := startFixture(t)
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			args := func(a ...string) []string { return append(append([]string{}, tr...), a...) }

			run(t, ctx, nil, args(f.url, "--emit", "echo", `["a",1,{"$binary":"AAE="}]`, "--listen", "echo-back", "--once")...).
				want(t, 0, `{"event":"echo-back","args":["a",1,{"$binary":"AAE="}]}`)
			run(t, ctx, nil, args("--emit", "ack", `[{"k":[true,null]}]`, "--ack", f.url+"/custom")...).only("ack").
				want(t, 0, `{"ack":[{"k":[true,null]}]}`)
			run(t, ctx, nil, args(f.url, "--namespace", "custom", "--auth", `{"token":"t"}`, "--listen", "welcome", "--once", "--emit", "note")...).
				want(t, 0, `{"event":"welcome","args":["/custom",{"$binary":"AQID"},{"token":"t"}]}`)
			if got := recvArgs(t, f.received); len(got) != 0 {
				t.Errorf("note args %v, want none", got)
			}
			// Without --listen it exits once the event is sent.
			run(t, ctx, nil, args(f.url, "--emit", "note", `[1.5,"x"]`)...).only("ack").want(t, 0)
			if got, _ := json.Marshal(recvArgs(t, f.received)); string(got) != `[1.5,"x"]` {
				t.Errorf("note args %s", got)
			}
		})
	}
}

// With --parser msgpack the command speaks to a msgpack server: events
// with binaries, acks, auth.
func TestClientParserMsgpack(t *testing.T) {
	t.Parallel()
	f := startFixtureWith(t, &socketio.Options{Parser: socketio.ParserMsgpack})
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	run(t, ctx, nil, f.url, "--parser", "msgpack", "--emit", "echo", `["a",1.5,{"$binary":"AAE="}]`, "--listen", "echo-back", "--once").
		want(t, 0, `{"event":"echo-back","args":["a",1.5,{"$binary":"AAE="}]}`)
	run(t, ctx, nil, "--parser", "msgpack", "--emit", "ack", `[{"k":[true,null]}]`, "--ack", f.url+"/custom").only("ack").
		want(t, 0, `{"ack":[{"k":[true,null]}]}`)
	run(t, ctx, nil, f.url, "--parser", "msgpack", "--auth", `{"token":"t"}`, "--listen", "welcome", "--once", "--emit", "note").
		want(t, 0, `{"event":"welcome","args":["/",{"$binary":"AQID"},{"token":"t"}]}`)
}

func recvArgs(t *testing.T, ch chan []any) []any {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(testTimeout):
		t.Fatal("the server got no note")
		return nil
	}
}

func TestClientStdin(t *testing.T) {
	t.Parallel()
	f := startFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	in := "ack [1,\"two\"]\n\nack {\"$binary\":\"AA==\"}\nack\n"
	r := run(t, ctx, strings.NewReader(in), f.url, "--ack")
	// Without --listen every event is printed too: the welcome, on a
	// goroutine of its own, so anywhere among the acks.
	r.only("ack").want(t, 0, `{"ack":[1,"two"]}`, `{"ack":[{"$binary":"AA=="}]}`, `{"ack":[]}`)
	r.only("event").want(t, 0, `{"event":"welcome","args":["/",{"$binary":"AQID"},{}]}`)
}

func TestClientStdinErrors(t *testing.T) {
	t.Parallel()
	f := startFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	r := run(t, ctx, strings.NewReader("note [1\nnote [2]\n"), f.url)
	r.only("ack").want(t, 1)
	if !strings.Contains(r.stderr, `line "note [1"`) {
		t.Errorf("stderr %q does not name the bad line", r.stderr)
	}
	if got, _ := json.Marshal(recvArgs(t, f.received)); string(got) != `[2]` {
		t.Errorf("note args %s: the good line was not sent", got)
	}
}

func TestClientOnceFromStdinMode(t *testing.T) {
	t.Parallel()
	f := startFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	pr, pw := io.Pipe() // stdin stays open: --once ends the run
	defer pw.Close()
	run(t, ctx, pr, f.url, "--listen", "welcome", "--once").
		want(t, 0, `{"event":"welcome","args":["/",{"$binary":"AQID"},{}]}`)
}

func TestClientErrors(t *testing.T) {
	t.Parallel()
	f := startFixture(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { silent.Close() })
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"connect error", []string{f.url + "/restricted"}, 1, `connect_error: not authorized (data: {"code":42})`},
		{"refused", []string{closed, "--emit", "x"}, 1, "connection refused: " + closed},
		{"timeout", []string{"http://" + silent.Addr().String(), "--timeout", "300ms"}, 1, "timed out after 300ms connecting to"},
		{"not socket.io", []string{f.url, "--path", "/nope/"}, 1, "server answered 404"},
		{"server disconnect", []string{f.url, "--emit", "kick", "--listen", "never"}, 1, "disconnected: io server disconnect"},
		{"ack timeout", []string{f.url, "--emit", "note", "--ack", "--timeout", "300ms"}, 1, `no acknowledgement of "note" within 300ms`},
		{"no URL", []string{"--emit", "x"}, 2, "missing URL"},
		{"two URLs", []string{f.url, f.url}, 2, "unexpected argument"},
		{"bad transport", []string{f.url, "--transport", "carrier-pigeon"}, 2, "--transport must be websocket, polling or webtransport"},
		{"bad auth", []string{f.url, "--auth", "[1]"}, 2, "--auth must be a JSON object"},
		{"bad parser", []string{f.url, "--parser", "cbor"}, 2, "--parser must be json or msgpack"},
		{"bad emit args", []string{f.url, "--emit", "x", "[1"}, 2, "--emit x: bad JSON"},
		{"emit without event", []string{f.url, "--emit"}, 2, "--emit needs an event name"},
		{"bad header", []string{f.url, "--header", "nocolon"}, 2, "want NAME:VALUE"},
		{"unknown flag", []string{f.url, "--frobnicate"}, 2, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			r := run(t, ctx, nil, tt.args...)
			r.only("ack").want(t, tt.code)
			if !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("stderr %q, want it to contain %q", r.stderr, tt.stderr)
			}
		})
	}
}

func TestClientHelp(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	if code := RunClient([]string{"--help"}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Errorf("--help: status %d", code)
	}
	for _, want := range []string{"Usage: duplex client URL", "-emit EVENT", "-listen EVENT", "$binary"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, out.String())
		}
	}
}

func TestClientInterrupted(t *testing.T) {
	t.Parallel()
	f := startFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		time.Sleep(300 * time.Millisecond)
		cancel()
	}()
	run(t, ctx, nil, f.url, "--listen", "never").want(t, 130)
}

// buildDuplex builds the real cmd/duplex binary, with `duplex client` in it.
func buildDuplex(t *testing.T, root string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "duplex")
	build := exec.Command("go", "build", "-o", bin, "./cmd/duplex")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/duplex: %v\n%s", err, out)
	}
	return bin
}

// TestClientBinary builds the duplex binary, when cmd/duplex exists, and
// runs `duplex client` as a user would.
func TestClientBinary(t *testing.T) {
	t.Parallel()
	root, _ := filepath.Abs("../..")
	if _, err := os.Stat(filepath.Join(root, "cmd", "duplex", "main.go")); err != nil {
		t.Skip("cmd/duplex does not exist yet")
	}
	bin := buildDuplex(t, root)
	f := startFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "client", f.url, "--emit", "ack", `["x",{"$binary":"/w=="}]`, "--ack")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("duplex client: %v", err)
	}
	result{code: 0, stdout: parseLines(t, string(out))}.only("ack").want(t, 0, `{"ack":["x",{"$binary":"/w=="}]}`)

	cmd = exec.CommandContext(ctx, bin, "client", f.url+"/restricted")
	var errb bytes.Buffer
	cmd.Stderr = &errb
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(errb.String(), "connect_error: not authorized") {
		t.Errorf("connect error: %v, stderr %q", err, errb.String())
	}

	cmd = exec.CommandContext(ctx, bin, "client", f.url, "--ack")
	cmd.Stdin = strings.NewReader("ack [1]\nack [2]\n")
	out, err = cmd.Output()
	if err != nil {
		t.Fatalf("duplex client with stdin: %v", err)
	}
	lines := result{code: 0, stdout: parseLines(t, string(out))}
	lines.only("ack").want(t, 0, `{"ack":[1]}`, `{"ack":[2]}`)
	lines.only("event").want(t, 0, `{"event":"welcome","args":["/",{"$binary":"AQID"},{}]}`)
}
