package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/duplexio/duplex/cmd/duplex/internal/chat"
	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/socketio"
)

// config is what the flags and DUPLEX_* variables set.
type config struct {
	addr            string
	path            string
	corsOrigins     []string
	pingInterval    time.Duration
	pingTimeout     time.Duration
	maxPayload      int64
	maxConnections  int
	logLevel        slog.Level
	logFormat       string
	shutdownTimeout time.Duration
	redisURL        string // --redis: a cluster node on this Redis
	redisMode       string
	redisKey        string
	natsURL         string       // --nats: a cluster node on this NATS server
	advertiseAddr   string       // --advertise-addr: where the other nodes reach this one
	chat            chat.Options // --chat-*: config_chat.go
	apiToken        string       // --api-token: serve /api/v1/ (package httpapi)
	parser          socketio.Parser
	metrics         bool        // --metrics: GET /metrics (server_metrics.go)
	admin           adminConfig // --admin, --admin-*: config_admin.go
	tlsCert         string      // --tls-cert, --tls-key: HTTPS (server_http3.go)
	tlsKey          string
	http3Addr       string // --http3-addr: WebTransport over HTTP/3
}

// envPrefix names the environment variable of each flag: --ping-interval
// is DUPLEX_PING_INTERVAL.
const envPrefix = "DUPLEX_"

func envName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// newFlagSet declares the flags, with their defaults, into cfg.
func newFlagSet(cfg *config) *flag.FlagSet {
	fs := flag.NewFlagSet("duplex", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors and -h are reported by the caller
	fs.StringVar(&cfg.addr, "addr", ":3000", "listen on `HOST:PORT`; port 0 picks a free port")
	fs.StringVar(&cfg.path, "path", "/socket.io/", "the Socket.IO endpoint's `PATH`; the client bundle is served under it")
	fs.Func("cors-origins", "`ORIGINS` (comma-separated, or *) of other sites whose pages may connect; by default only the server's own page may", func(s string) error {
		cfg.corsOrigins = splitList(s)
		return nil
	})
	fs.DurationVar(&cfg.pingInterval, "ping-interval", engineio.DefaultPingInterval, "time between heartbeats (`DURATION`)")
	fs.DurationVar(&cfg.pingTimeout, "ping-timeout", engineio.DefaultPingTimeout, "how long a heartbeat waits for its answer (`DURATION`)")
	fs.Int64Var(&cfg.maxPayload, "max-payload", engineio.DefaultMaxHTTPBufferSize, "largest message or HTTP body a client may send, in `BYTES`")
	fs.IntVar(&cfg.maxConnections, "max-connections", defaultMaxConnections(), "refuse new connections (503) beyond `N` open ones; 0: no limit. The default is the open-file limit (ulimit -n) less a tenth, at least 64, for the descriptors that are not sessions")
	fs.TextVar(&cfg.logLevel, "log-level", slog.LevelInfo, "log `LEVEL`: debug (adds a line per connection event), info, warn or error")
	fs.StringVar(&cfg.logFormat, "log-format", "text", "log `FORMAT`: text or json (slog)")
	fs.DurationVar(&cfg.shutdownTimeout, "shutdown-timeout", 10*time.Second, "on SIGINT/SIGTERM, how long to wait for clients and handlers (`DURATION`)")
	fs.StringVar(&cfg.redisURL, "redis", "", "make this a cluster node on the Redis at `URL` (redis://host:6379[/db]), compatible with Node's @socket.io/redis-adapter")
	fs.StringVar(&cfg.redisMode, "redis-mode", "", "Redis wire `MODE`: classic (the default: createAdapter, PUBLISH), sharded (createShardedAdapter, SPUBLISH, Redis 7; dynamic subscription mode) or streams (@socket.io/redis-streams-adapter: a Redis stream, and connection state recovery on any node)")
	fs.StringVar(&cfg.redisKey, "redis-key", "", "the Redis channel `PREFIX` (the Node adapter's key option, default socket.io); every node of a cluster uses the same")
	fs.StringVar(&cfg.natsURL, "nats", "", "make this a cluster node on the NATS server at `URL` (nats://host:4222; comma-separated for several); excludes --redis")
	fs.StringVar(&cfg.advertiseAddr, "advertise-addr", "", "on a cluster, the `HOST:PORT` at which the other nodes reach this one, to which they forward its sessions' requests (no sticky sessions needed); by default --addr, or with no host in it this machine's address on the route to the broker")
	fs.StringVar(&cfg.apiToken, "api-token", "", "serve the HTTP API for backends at /api/v1/ (docs/openapi.yaml), to requests with Authorization: Bearer `TOKEN`; prefer the variable, which ps does not show; off when empty")
	fs.TextVar(&cfg.parser, "parser", socketio.ParserJSON, "the Socket.IO `PARSER` of every client: json, or msgpack (socket.io-msgpack-parser; the chat page then loads socket.io.msgpack.min.js)")
	chatFlags(fs, &cfg.chat)
	fs.BoolVar(&cfg.metrics, "metrics", false, "serve Prometheus metrics at /metrics")
	adminFlags(fs, &cfg.admin)
	fs.StringVar(&cfg.tlsCert, "tls-cert", "", "serve --addr over HTTPS with the certificate (chain) in PEM `FILE`; needs --tls-key")
	fs.StringVar(&cfg.tlsKey, "tls-key", "", "the private key of --tls-cert, PEM `FILE`")
	fs.StringVar(&cfg.http3Addr, "http3-addr", "", "serve the webtransport transport (HTTP/3) on UDP `HOST:PORT` and offer it to clients; needs --tls-cert; browsers look for it on the page's port, so give --addr's port (UDP and TCP ports are apart); off when empty")
	return fs
}

// parseConfig reads the flags in args and, for every flag not given, its
// environment variable (getenv): a flag wins over its variable, which wins
// over the default. It returns flag.ErrHelp for -h.
func parseConfig(args []string, getenv func(string) string) (*config, error) {
	cfg := &config{}
	fs := newFlagSet(cfg)
	src := trackSources(fs)
	if err := fs.Parse(args); err != nil {
		return nil, src.parseError(err)
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if v := getenv(envName(f.Name)); v != "" && !given[f.Name] {
			if err := src.setFromEnv(f.Name, v); err != nil {
				errs = append(errs, err)
			}
		}
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return cfg, cfg.validate(src)
}

// normalizePath gives the Socket.IO path a leading and a trailing slash,
// as Node's server does.
func normalizePath(p string) string {
	p = "/" + strings.Trim(p, "/") + "/"
	if p == "//" {
		return "/"
	}
	return p
}

func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// printUsage writes the -h text: the flags with their variables and
// defaults.
func printUsage(w io.Writer) {
	fmt.Fprint(w, `Usage:
  duplex [flags]          serve the chat application at / and Socket.IO at --path
  duplex client [args]    run the Socket.IO command-line client (duplex client -h)
  duplex --version        print the version, VCS revision and Go version

duplex serves a real-time chat web application and its Socket.IO endpoint,
with GET /healthz for health checks. SIGINT or SIGTERM shuts it down
gracefully: it stops accepting connections, disconnects the clients ("server
shutting down") and waits for them up to --shutdown-timeout.

Flags (each one may also be set by the environment variable beside it; a flag
wins over its variable):
`)
	newFlagSet(&config{}).VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		fmt.Fprintf(w, "  --%s %s    $%s, default %s\n        %s\n", f.Name, name, envName(f.Name), defaultText(f), usage)
	})
	fmt.Fprint(w, `
Examples:
  duplex                                   http://localhost:3000
  duplex --addr 127.0.0.1:8080 --log-level debug
  DUPLEX_LOG_FORMAT=json DUPLEX_CORS_ORIGINS=https://example.com duplex

The Go collector lets the heap grow by max(8 MiB, 35% of the live heap)
between collections (package gctune); GOGC in the environment replaces that
with Go's own rule, GOMEMLIMIT caps the heap as usual.
`)
}

func defaultText(f *flag.Flag) string {
	switch f.Name {
	case "cors-origins":
		return "none"
	case "log-level":
		return "info" // slog.Level prints as INFO
	}
	return f.DefValue
}
