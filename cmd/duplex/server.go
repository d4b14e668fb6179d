package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/quic-go/webtransport-go"
	"github.com/redis/go-redis/v9"

	"github.com/duplexio/duplex/admin"
	"github.com/duplexio/duplex/cmd/duplex/internal/chat"
	"github.com/duplexio/duplex/cmd/duplex/internal/web"
	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/httpapi"
	"github.com/duplexio/duplex/metrics"
	"github.com/duplexio/duplex/relay"
	"github.com/duplexio/duplex/socketio"
)

// server is one duplex node: the Socket.IO server with the chat on it, and
// the HTTP server in front of both.
type server struct {
	cfg     *config
	cluster io.Closer     // the broker of a cluster node, nil for a single node
	relay   *relay.Relay  // forwards other nodes' sessions; nil for a single node
	redis   *redis.Client // --redis: the cluster's (the chat keeps its sessions and histories there), nil otherwise
	// brokerAddr is the broker's host:port, to guess the advertised address.
	brokerAddr string
	log        *slog.Logger
	io         *socketio.Server
	chat       *chat.Chat
	http       *http.Server
	started    time.Time
	metrics    *prometheus.Registry // nil without --metrics
	collect    *metrics.Collector   // nil without --metrics
	admin      *admin.Admin         // nil without --admin
	tls        *tls.Config          // nil without --tls-cert (server_http3.go)
	wt         *webtransport.Server // nil without --http3-addr
	h3conn     net.PacketConn       // the UDP socket of wt, once bound
}

func newServer(cfg *config, logger *slog.Logger) (*server, error) {
	s := &server{cfg: cfg, log: logger, started: time.Now()}
	var err error
	if s.tls, err = loadTLS(cfg); err != nil {
		return nil, err
	}
	opts := &socketio.Options{
		Path: cfg.path,
		Engine: engineio.Options{
			PingInterval:      cfg.pingInterval,
			PingTimeout:       cfg.pingTimeout,
			MaxHTTPBufferSize: cfg.maxPayload,
			MaxConnections:    cfg.maxConnections,
		},
		Logger: logger,
		Parser: cfg.parser,
		// A page whose connection drops comes back with its rooms and the
		// messages it missed, when the adapter keeps sessions (alone, or a
		// Redis streams cluster); otherwise the chat's own session brings
		// its user and rooms back (chat.Options.Redis).
		ConnectionStateRecovery: &socketio.RecoveryOptions{},
	}
	if len(cfg.corsOrigins) > 0 {
		opts.Engine.CORS = &engineio.CORS{Origins: cfg.corsOrigins}
	}
	enableWebTransport(cfg, opts)
	s.instrument(opts)
	if err := s.instrumentAdmin(opts); err != nil {
		return nil, err
	}
	if err := s.joinCluster(opts); err != nil {
		return nil, err
	}
	s.io = socketio.NewServer(opts)
	s.chat = chat.Register(s.io.Sockets(), s.chatOptions())
	s.newWebTransport()
	h, err := s.handler()
	if err != nil {
		return nil, err
	}
	s.http = &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		// Node's 16 KiB, not net/http's 1 MiB: each session keeps a copy of
		// its handshake's header (100 handshakes with 1 MB headers held 122
		// MiB). The engine refuses what passes net/http's slack with 431.
		MaxHeaderBytes: engineio.DefaultMaxHeaderBytes,
		IdleTimeout:    2 * time.Minute,
		ErrorLog:       slog.NewLogLogger(logger.Handler(), slog.LevelDebug),
		TLSConfig:      s.tls,
	}
	return s, nil
}

// chatOptions are the chat's options: the --chat-* flags, and the Redis
// of a cluster node, which keeps the chat's sessions and histories under
// the --redis-key prefix.
func (s *server) chatOptions() *chat.Options {
	o := s.cfg.chat
	o.Logger = s.log
	if s.redis != nil {
		o.Redis = s.redis
		if s.cfg.redisKey != "" {
			o.RedisPrefix = s.cfg.redisKey + ":chat:"
		}
	}
	return &o
}

// handler routes the chat page, the health check, the client bundle,
// Socket.IO and, with --api-token, the HTTP API.
func (s *server) handler() (http.Handler, error) {
	bundle := web.ClientBundle
	if s.cfg.parser == socketio.ParserMsgpack {
		bundle = web.MsgpackClientBundle
	}
	app, err := web.App(s.cfg.path, bundle)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.Handle(s.cfg.path+bundle, web.Client())
	mux.Handle(s.cfg.path+bundle+".map", web.Client())
	mux.Handle(s.cfg.path, s.io)
	if s.cfg.apiToken != "" {
		// An emit as large as a client may receive must fit the body.
		maxBody := max(s.cfg.maxPayload, httpapi.DefaultMaxBodyBytes)
		mux.Handle("/api/v1/", httpapi.New(s.io, &httpapi.Options{Token: s.cfg.apiToken, MaxBodyBytes: maxBody, Logger: s.log}))
	}
	if s.metrics != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics, promhttp.HandlerOpts{}))
	}
	s.mountAdmin(mux)
	mux.Handle("/", app)
	return mux, nil
}

// health is the body of GET /healthz.
type health struct {
	Status        string `json:"status"`
	Connections   int    `json:"connections"`
	Users         int    `json:"users"`
	Uptime        string `json:"uptime"`
	UptimeSeconds int64  `json:"uptime_seconds"`
}

func (s *server) healthz(w http.ResponseWriter, _ *http.Request) {
	up := time.Since(s.started)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(health{
		Status:        "ok",
		Connections:   s.io.Engine().Count(),
		Users:         s.chat.Users(),
		Uptime:        up.Round(time.Second).String(),
		UptimeSeconds: int64(up / time.Second),
	})
}

// listenAndServe listens on the configured address, logs the URL and
// serves until ctx ends; then it shuts down gracefully, calling
// stopSignals first so that a second signal ends the process at once.
func (s *server) listenAndServe(ctx context.Context, stopSignals func()) error {
	ln, err := net.Listen("tcp", s.cfg.addr)
	if err != nil {
		return err
	}
	if err := s.listenHTTP3(); err != nil {
		_ = ln.Close()
		return err
	}
	return s.serve(ctx, ln, stopSignals)
}

func (s *server) serve(ctx context.Context, ln net.Listener, stopSignals func()) error {
	if err := s.startRelay(ln.Addr()); err != nil {
		_ = ln.Close()
		return err
	}
	url := baseURL(ln.Addr(), s.tls != nil)
	s.log.Info("duplex listening", "url", url, "socketio", url+s.cfg.path[1:], "healthz", url+"healthz")
	errc := make(chan error, 2)
	go func() {
		if s.tls != nil {
			errc <- s.http.ServeTLS(ln, "", "") // the certificate of s.http.TLSConfig
			return
		}
		errc <- s.http.Serve(ln)
	}()
	s.serveHTTP3(errc)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	stopSignals()
	s.log.Info("duplex shutting down", "timeout", s.cfg.shutdownTimeout, "connections", s.io.Engine().Count())
	err := s.shutdown()
	if err == nil {
		s.log.Info("duplex stopped")
	}
	return err
}

// shutdown stops accepting connections, disconnects every client with
// reason "server shutting down" and waits for handlers and requests to
// finish, within the shutdown timeout.
func (s *server) shutdown() error {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.shutdownTimeout)
	defer cancel()
	// http.Server.Shutdown closes the listeners at once, then waits for the
	// requests in flight, among them long-polling GETs that only end when
	// Socket.IO closes their sessions: hence both at the same time.
	httpDone := make(chan error, 1)
	go func() { httpDone <- s.http.Shutdown(ctx) }()
	if s.admin != nil {
		_ = s.admin.Close()
	}
	ioErr := s.io.Shutdown(ctx)
	s.closeHTTP3() // after the engine closed its WebTransport sessions
	httpErr := <-httpDone
	if s.relay != nil {
		_ = s.relay.Close() // the WebSockets it tunnels outlive http.Server.Shutdown
	}
	if s.cluster != nil {
		_ = s.cluster.Close()
	}
	if err := errors.Join(ioErr, httpErr); err != nil {
		_ = s.http.Close()
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// baseURL is the address to print for a listener: a wildcard host becomes
// localhost, so that the line can be opened as is; https with TLS.
func baseURL(addr net.Addr, https bool) string {
	scheme := "http://"
	if https {
		scheme = "https://"
	}
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return scheme + addr.String() + "/"
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return scheme + net.JoinHostPort(host, port) + "/"
}
