package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const clientUsage = `Usage: duplex client URL [flags]

Connects to the Socket.IO server at URL (http, https, ws or wss; its path
names the namespace) and prints every event it receives as one JSON line:

  {"event":"name","args":[...]}

and acknowledgements as {"ack":[...]}. Binary values are printed, and may
be given, as {"$binary":"<base64>"}. Connection errors go to stderr, with
exit status 1.

With --emit EVENT [ARGS] it sends EVENT with ARGS (a JSON array, default
[]) and exits once it is sent (and --linger has passed), or once the
acknowledgement is printed with --ack. With --listen it prints only the
events named (the flag repeats), and with --once it exits after printing
the first one. Without --emit it reads lines "EVENT ARGS_JSON" from stdin
and emits each, until the end of input. With --ack, each asks for an
acknowledgement and waits for it (up to --timeout) before the next line:
every event given must then be one whose handler answers.

Examples:
  duplex client http://localhost:3000 --emit chat '["hello"]'
  duplex client http://localhost:3000/admin --auth '{"token":"x"}' --listen news --once
  printf 'chat ["lobby","hi"]\nchat ["lobby","bye"]\n' | duplex client ws://localhost:3000 --ack

Flags:
`

// clientConfig is the parsed command line of `duplex client`.
type clientConfig struct {
	url        string
	namespace  string
	auth       json.RawMessage
	transports []string
	path       string
	emit       *emitSpec
	ack        bool
	listen     []string
	once       bool
	timeout    time.Duration
	linger     time.Duration
	header     http.Header
	insecure   bool
	reconnect  bool
	msgpack    bool // --parser msgpack
}

// emitSpec is the event of --emit.
type emitSpec struct {
	event string
	args  []any
}

// errUsage is a command line that cannot be run; the message is printed.
var errUsage = errors.New("usage")

// repeated is a flag that may be given several times.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ",") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

// parseClientArgs parses the command line. Flags and the URL may come in
// any order; --emit takes the event and, when the next argument is a JSON
// array, its arguments.
func parseClientArgs(args []string, stdout, stderr io.Writer) (*clientConfig, error) {
	c := &clientConfig{header: http.Header{}}
	args, err := c.takeEmit(args)
	if err != nil {
		return nil, usageError(stderr, err)
	}
	fs, f := clientFlagSet(stderr)
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(stdout)
				fmt.Fprint(stdout, clientUsage)
				fs.PrintDefaults()
				return nil, err
			}
			// The flag package printed the error.
			fmt.Fprintln(stderr, "Run 'duplex client --help' for usage.")
			return nil, errUsage
		}
		if fs.NArg() == 0 {
			break
		}
		if c.url != "" {
			return nil, usageError(stderr, fmt.Errorf("unexpected argument %q", fs.Arg(0)))
		}
		c.url, args = fs.Arg(0), fs.Args()[1:]
	}
	if err := c.apply(f); err != nil {
		return nil, usageError(stderr, err)
	}
	return c, nil
}

// flagValues holds the flags before they are checked.
type flagValues struct {
	namespace, auth, transport, path *string
	parser                           *string
	ack, once, insecure, reconnect   *bool
	timeout, linger                  *time.Duration
	listen, header                   *repeated
}

func clientFlagSet(stderr io.Writer) (*flag.FlagSet, *flagValues) {
	fs := flag.NewFlagSet("duplex client", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {} // printed by parseClientArgs, to stdout for --help
	f := &flagValues{listen: &repeated{}, header: &repeated{}}
	f.namespace = fs.String("namespace", "", "namespace to connect to (default: the URL's path, or /)")
	f.auth = fs.String("auth", "", "auth payload: a JSON object")
	f.transport = fs.String("transport", "", "websocket, polling or webtransport (HTTP/3, at the URL's port over UDP) only (default: polling, upgraded to websocket)")
	f.path = fs.String("path", "/socket.io/", "the server's Socket.IO path")
	f.parser = fs.String("parser", "json", "the server's Socket.IO parser: json or msgpack (socket.io-msgpack-parser)")
	fs.String("emit", "", "emit `EVENT`, with the JSON array of arguments that follows, then exit")
	f.ack = fs.Bool("ack", false, "ask for acknowledgements and print them")
	fs.Var(f.listen, "listen", "print only this `EVENT` (repeatable)")
	f.once = fs.Bool("once", false, "exit after printing the first event")
	f.timeout = fs.Duration("timeout", 10*time.Second, "bound on connecting and on each acknowledgement")
	f.linger = fs.Duration("linger", 250*time.Millisecond, "with --emit alone, how long to stay connected once the event is sent,\nso that the server handles it before the disconnection (Socket.IO servers\ndrop the events that arrive right before one)")
	fs.Var(f.header, "header", "extra HTTP header `NAME:VALUE` (repeatable)")
	f.insecure = fs.Bool("insecure", false, "skip TLS certificate verification")
	f.reconnect = fs.Bool("reconnect", false, "reconnect when the connection is lost, instead of exiting")
	return fs, f
}

// takeEmit removes --emit EVENT [ARGS] from args.
func (c *clientConfig) takeEmit(args []string) ([]string, error) {
	rest := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "emit" || a == "--" {
			rest = append(rest, a)
			continue
		}
		if !hasValue {
			if i+1 == len(args) {
				return nil, errors.New("--emit needs an event name")
			}
			i++
			value = args[i]
		}
		spec := &emitSpec{event: value, args: []any{}}
		if i+1 < len(args) && strings.HasPrefix(strings.TrimSpace(args[i+1]), "[") {
			i++
			v, err := parseArgs(args[i])
			if err != nil {
				return nil, fmt.Errorf("--emit %s: %w", value, err)
			}
			spec.args = v
		}
		if c.emit != nil {
			return nil, errors.New("--emit may be given once")
		}
		c.emit = spec
	}
	return rest, nil
}

// apply checks the flags and the URL and fills c.
func (c *clientConfig) apply(f *flagValues) error {
	if c.url == "" {
		return errors.New("missing URL")
	}
	u, err := url.Parse(c.url)
	if err != nil || u.Host == "" {
		return fmt.Errorf("bad URL %q", c.url)
	}
	c.namespace = *f.namespace
	if c.namespace == "" {
		c.namespace = u.Path
	}
	if c.namespace == "" {
		c.namespace = "/"
	}
	if !strings.HasPrefix(c.namespace, "/") {
		c.namespace = "/" + c.namespace
	}
	if *f.auth != "" {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal([]byte(*f.auth), &obj); err != nil {
			return fmt.Errorf("--auth must be a JSON object: %v", err)
		}
		c.auth = json.RawMessage(*f.auth)
	}
	switch *f.transport {
	case "":
	case "websocket", "polling", "webtransport":
		c.transports = []string{*f.transport}
	default:
		return fmt.Errorf("--transport must be websocket, polling or webtransport, not %q", *f.transport)
	}
	switch *f.parser {
	case "json":
	case "msgpack":
		c.msgpack = true
	default:
		return fmt.Errorf("--parser must be json or msgpack, not %q", *f.parser)
	}
	for _, h := range *f.header {
		name, value, ok := strings.Cut(h, ":")
		if !ok || strings.TrimSpace(name) == "" {
			return fmt.Errorf("--header %q: want NAME:VALUE", h)
		}
		c.header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	if *f.timeout <= 0 {
		return errors.New("--timeout must be positive")
	}
	if *f.linger < 0 {
		return errors.New("--linger must not be negative")
	}
	c.path, c.ack, c.once, c.timeout, c.linger = *f.path, *f.ack, *f.once, *f.timeout, *f.linger
	c.listen, c.insecure, c.reconnect = *f.listen, *f.insecure, *f.reconnect
	return nil
}

func usageError(w io.Writer, err error) error {
	fmt.Fprintf(w, "duplex client: %v\nRun 'duplex client --help' for usage.\n", err)
	return errUsage
}
