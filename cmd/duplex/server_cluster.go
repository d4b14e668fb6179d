package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/duplexio/duplex/adapter/natsadapter"
	"github.com/duplexio/duplex/adapter/redisadapter"
	"github.com/duplexio/duplex/relay"
	"github.com/duplexio/duplex/socketio"
)

// keepSessions is how often a streams-mode node saves the sessions of its
// connected sockets: well inside the 2-minute recovery window.
const keepSessions = 15 * time.Second

// joinCluster sets the adapter of a cluster node (--redis) in opts. An
// unreachable Redis at start-up is logged, not fatal: the node serves its
// own clients and joins the cluster when Redis comes up.
func (s *server) joinCluster(opts *socketio.Options) error {
	if s.cfg.natsURL != "" {
		return s.joinNATS(opts)
	}
	if s.cfg.redisURL == "" {
		return nil
	}
	routeRedisLog(s.log)
	client, err := redisadapter.Dial(s.cfg.redisURL)
	if err != nil {
		return fmt.Errorf("--redis: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		s.log.Error("redis unreachable at start-up; serving local clients until it is back", "addr", client.Options().Addr, "err", err)
	}
	mode := redisadapter.ModeClassic
	if s.cfg.redisMode != "" {
		mode = redisadapter.Mode(s.cfg.redisMode)
	}
	o := &redisadapter.Options{Key: s.cfg.redisKey, Mode: mode, Logger: s.log, Observer: s.clusterObserver()}
	if mode == redisadapter.ModeStreams {
		// The stream is named by the key, as the channels are; and the
		// mode is there for recovery, so it turns recovery on.
		o.StreamName = s.cfg.redisKey
		// Saved while connected too, so that a killed node's clients
		// recover elsewhere (docs/redis-streams.md).
		o.KeepSessions = keepSessions
		if opts.ConnectionStateRecovery == nil {
			opts.ConnectionStateRecovery = &socketio.RecoveryOptions{}
		}
	}
	b := redisadapter.New(client, o)
	opts.Adapter = b.Adapter
	s.useRelay(opts, relay.RedisBus(client, relayChannel(b.Key())), client.Options().Addr)
	s.redis = client // the chat keeps its sessions and histories there too
	s.cluster = closers{b.Close, client.Close}
	s.log.Info("cluster node on redis", "addr", client.Options().Addr, "key", b.Key(), "mode", mode)
	return nil
}

// joinNATS sets the adapter of a cluster node on NATS (--nats). As with
// Redis, an unreachable server at start-up is logged: nats.go keeps
// trying, and the node serves its own clients meanwhile.
func (s *server) joinNATS(opts *socketio.Options) error {
	nc, err := natsadapter.Dial(s.cfg.natsURL)
	if err != nil {
		return fmt.Errorf("--nats: %w", err)
	}
	if !nc.IsConnected() {
		s.log.Error("nats unreachable at start-up; serving local clients until it is back", "url", s.cfg.natsURL)
	}
	b := natsadapter.New(nc, &natsadapter.Options{Logger: s.log, Observer: s.clusterObserver()})
	opts.Adapter = b.Adapter
	s.useRelay(opts, relay.NATSBus(nc, b.Prefix()+".relay"), natsServerAddr(nc, s.cfg.natsURL))
	s.cluster = closers{b.Close, func() error { nc.Close(); return nil }}
	s.log.Info("cluster node on nats", "url", nc.ConnectedUrlRedacted(), "prefix", b.Prefix())
	return nil
}

// closers closes several things in order.
type closers []func() error

func (c closers) Close() error {
	var errs []error
	for _, f := range c {
		errs = append(errs, f())
	}
	return errors.Join(errs...)
}

// natsServerAddr is the host:port of the NATS server nc is connected to,
// or else of the first in --nats.
func natsServerAddr(nc *nats.Conn, urls string) string {
	if a := nc.ConnectedAddr(); a != "" {
		return a
	}
	u, err := url.Parse(strings.TrimSpace(strings.Split(urls, ",")[0]))
	if err != nil {
		return ""
	}
	return u.Host
}
