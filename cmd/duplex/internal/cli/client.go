// Package cli holds the subcommands of the duplex binary that are more
// than option parsing; cmd/duplex dispatches to them.
package cli

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/duplexio/duplex/client"
)

// Exit statuses of RunClient.
const (
	exitOK          = 0
	exitError       = 1   // connection errors, disconnections, bad input lines
	exitUsage       = 2   // a command line that cannot run
	exitInterrupted = 130 // SIGINT or SIGTERM
)

// RunClient runs `duplex client`, a wscat for Socket.IO: args are the
// arguments after "client". It returns the exit status. SIGINT and
// SIGTERM end it cleanly (status 130).
func RunClient(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runClient(ctx, args, stdin, stdout, stderr)
}

// runClient is RunClient ending when ctx does.
func runClient(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cfg, err := parseClientArgs(args, stdout, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case err != nil:
		return exitUsage
	}
	r := &clientRun{cfg: cfg, ctx: ctx, out: &printer{w: stdout}, errw: &printer{w: stderr},
		done: make(chan int, 1)}
	return r.run(stdin)
}

// clientRun is one run of `duplex client`.
type clientRun struct {
	cfg  *clientConfig
	ctx  context.Context
	out  *printer // stdout: the JSON lines
	errw *printer // stderr: the messages
	m    *client.Manager
	s    *client.Socket
	done chan int // the exit status, once known
	once sync.Once

	lastSend time.Time // of the last emit without ack; main goroutine only

	mu      sync.Mutex
	printed bool // an event was printed, which --once waits for
}

func (r *clientRun) run(stdin io.Reader) int {
	if err := r.connect(); err != nil {
		r.errorf("%s", connectMessage(r.cfg, err))
		return exitError
	}
	defer func() {
		_ = r.m.Close()
		r.out.stop()
		r.errw.stop()
	}()
	if r.cfg.emit != nil {
		code := r.emitOne()
		if code != exitOK || len(r.cfg.listen) == 0 && !r.cfg.once {
			return code
		}
		return r.wait(nil)
	}
	quit := make(chan struct{})
	defer close(quit)
	return r.wait(readLines(stdin, quit))
}

// connect dials, with the listeners in place before the first event.
func (r *clientRun) connect() error {
	cfg := r.cfg
	opts := &client.Options{
		Path:                cfg.path,
		Transports:          cfg.transports,
		Header:              cfg.header,
		Timeout:             cfg.timeout,
		DisableReconnection: !cfg.reconnect,
	}
	if cfg.msgpack {
		opts.Parser = client.ParserMsgpack
	}
	if cfg.auth != nil {
		opts.Auth = cfg.auth
	}
	if cfg.insecure {
		opts.TLSConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // asked for
	}
	m, err := client.NewManager(cfg.url, opts)
	if err != nil {
		return err
	}
	r.m, r.s = m, m.Socket(cfg.namespace, nil)
	r.s.OnAny(r.onEvent)
	r.s.OnDisconnect(r.onDisconnect)
	m.OnReconnectAttempt(func(n int) { r.errorf("reconnecting (attempt %d)", n) })
	m.OnReconnect(func(int) { r.errorf("reconnected") })
	ctx, cancel := context.WithTimeout(r.ctx, cfg.timeout)
	defer cancel()
	if err := r.s.Connect(ctx); err != nil {
		_ = m.Close()
		return err
	}
	return nil
}

// onEvent prints an event, if it is listened to.
func (r *clientRun) onEvent(event string, args client.Args) {
	if len(r.cfg.listen) > 0 && !slices.Contains(r.cfg.listen, event) {
		return
	}
	values, err := args.Values()
	if err != nil {
		r.errorf("event %q: %v", event, err)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.printed && r.cfg.once {
		return
	}
	r.printed = true
	r.print(map[string]any{"event": event, "args": toMarkers(values)})
	if r.cfg.once {
		r.finish(exitOK)
	}
}

func (r *clientRun) onDisconnect(reason string) {
	if reason == client.ReasonClientDisconnect {
		return
	}
	r.errorf("disconnected: %s", reason)
	if !r.cfg.reconnect || reason == client.ReasonServerDisconnect {
		r.finish(exitError)
	}
}

// emitOne sends --emit's event, waiting for the ack with --ack. Without
// listeners it then closes the socket.
func (r *clientRun) emitOne() int {
	e := r.cfg.emit
	if err := r.emit(e.event, e.args); err != nil {
		r.errorf("%v", err)
		return exitError
	}
	if len(r.cfg.listen) == 0 && !r.cfg.once {
		r.close()
	}
	return exitOK
}

// close closes the socket, which flushes: what was emitted is sent when
// it returns. After an emit without ack, which would say that the server
// handled the event, it lingers first: a server drops the events it has
// not handled yet when the disconnection arrives. Nothing is printed
// after it.
func (r *clientRun) close() {
	if !r.lastSend.IsZero() {
		t := time.NewTimer(time.Until(r.lastSend.Add(r.cfg.linger)))
		select {
		case <-t.C:
		case <-r.ctx.Done():
			t.Stop()
		}
	}
	_ = r.s.Close()
	r.out.stop()
	r.errw.stop()
}

// emit sends one event; with --ack it waits for the ack and prints it.
func (r *clientRun) emit(event string, args []any) error {
	if !r.cfg.ack {
		r.lastSend = time.Now()
		return r.s.Emit(event, args...)
	}
	a, err := r.s.Timeout(r.cfg.timeout).EmitWithAck(r.ctx, event, args...)
	if errors.Is(err, client.ErrAckTimeout) && r.ctx.Err() == nil {
		return fmt.Errorf("no acknowledgement of %q within %v (does the server's handler answer one? without --ack, events are sent without waiting)", event, r.cfg.timeout)
	}
	if err != nil {
		return err
	}
	values, err := a.Values()
	if err != nil {
		return fmt.Errorf("acknowledgement of %q: %v", event, err)
	}
	r.print(map[string]any{"ack": toMarkers(values)})
	return nil
}

// stdinLine is a line of input, or the error that ended the input.
type stdinLine struct {
	text string
	err  error
}

// readLines sends the non-empty lines of stdin, then its error if any, and
// closes the channel at the end of input. It stops when quit is closed,
// unless it is blocked reading: stdin is then the process's, which ends.
func readLines(stdin io.Reader, quit <-chan struct{}) <-chan stdinLine {
	ch := make(chan stdinLine)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(stdin)
		sc.Buffer(make([]byte, 64<<10), 16<<20)
		for sc.Scan() {
			if line := strings.TrimSpace(sc.Text()); line != "" {
				select {
				case ch <- stdinLine{text: line}:
				case <-quit:
					return
				}
			}
		}
		if err := sc.Err(); err != nil {
			select {
			case ch <- stdinLine{err: err}:
			case <-quit:
			}
		}
	}()
	return ch
}

// emitLine emits the event of one input line, "EVENT ARGS_JSON"; ARGS_JSON
// is an array of arguments, or a single one.
func (r *clientRun) emitLine(line string) error {
	event, rest, _ := strings.Cut(line, " ")
	args := []any{}
	if rest = strings.TrimSpace(rest); rest != "" {
		v, err := decodeJSON(rest)
		if err != nil {
			return fmt.Errorf("line %q: %v", line, err)
		}
		if list, ok := v.([]any); ok {
			args = list
		} else {
			args = []any{v}
		}
	}
	return r.emit(event, args)
}

// wait emits the input lines until the end: a --once event, a
// disconnection, the end of input (unless listening), or a signal. A bad
// input line is reported and makes the exit status 1.
func (r *clientRun) wait(lines <-chan stdinLine) int {
	failed := false
	for {
		select {
		case l, ok := <-lines:
			switch {
			case !ok:
				lines = nil
				if failed {
					r.finish(exitError)
				} else if len(r.cfg.listen) == 0 && !r.cfg.once {
					r.finish(exitOK)
				}
			case l.err != nil:
				r.errorf("reading stdin: %v", l.err)
				failed = true
			default:
				if err := r.emitLine(l.text); err != nil {
					r.errorf("%v", err)
					failed = true
				}
			}
		case code := <-r.done:
			r.close()
			return code
		case <-r.ctx.Done():
			r.close()
			return exitInterrupted
		}
	}
}

// finish records the exit status; the first one wins.
func (r *clientRun) finish(code int) {
	r.once.Do(func() { r.done <- code })
}

func (r *clientRun) print(v any) {
	line, err := jsonLine(v)
	if err != nil {
		r.errorf("cannot print: %v", err)
		return
	}
	r.out.write(line)
}

func (r *clientRun) errorf(format string, args ...any) {
	r.errw.write([]byte("duplex client: " + fmt.Sprintf(format, args...) + "\n"))
}

// printer writes whole lines, from any goroutine, until stopped.
type printer struct {
	mu      sync.Mutex
	w       io.Writer
	stopped bool
}

func (p *printer) write(line []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.stopped {
		_, _ = p.w.Write(line)
	}
}

func (p *printer) stop() {
	p.mu.Lock()
	p.stopped = true
	p.mu.Unlock()
}

// connectMessage explains a failed connection.
func connectMessage(cfg *clientConfig, err error) string {
	var ce *client.ConnectError
	var he *client.HTTPError
	switch {
	case errors.As(err, &ce):
		msg := "connect_error: " + ce.Message
		if len(ce.Data) > 0 {
			msg += " (data: " + string(ce.Data) + ")"
		}
		return msg
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("timed out after %v connecting to %s", cfg.timeout, cfg.url)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("connection refused: %s", cfg.url)
	case errors.As(err, &he):
		return fmt.Sprintf("cannot connect to %s: %v", cfg.url, he)
	}
	return fmt.Sprintf("cannot connect to %s: %v", cfg.url, err)
}
