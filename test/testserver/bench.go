package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/duplexio/duplex/adapter/redisadapter"
	benchfixture "github.com/duplexio/duplex/bench/fixture"
	"github.com/duplexio/duplex/relay"
	"github.com/duplexio/duplex/socketio"
)

// bench is the benchmark fixture, with default options: echo with ack,
// broadcast to all, join a room, broadcast to a room. With cl.redisURL it is
// a node of a Redis cluster, so that a broadcast reaches the clients of every
// node started with the same Redis and key.
func bench(logger *slog.Logger, cl *cluster) (http.Handler, func(context.Context), error) {
	opts := &socketio.Options{Logger: logger, Parser: cl.parser}
	var closeCluster func()
	if cl.redisURL != "" {
		switch redisadapter.Mode(cl.redisMode) {
		case redisadapter.ModeClassic, redisadapter.ModeSharded, redisadapter.ModeStreams:
		default:
			return nil, nil, fmt.Errorf("-redis-mode %q: want classic, sharded or streams", cl.redisMode)
		}
		url := cl.redisURL
		if !strings.Contains(url, "://") {
			url = "redis://" + url
		}
		client, err := redisadapter.Dial(url)
		if err != nil {
			return nil, nil, fmt.Errorf("-redis: %w", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		err = client.Ping(ctx).Err()
		cancel()
		if err != nil {
			_ = client.Close()
			return nil, nil, fmt.Errorf("-redis: %w", err)
		}
		o := &redisadapter.Options{Key: cl.redisKey, Mode: redisadapter.Mode(cl.redisMode), Logger: logger}
		if o.Mode == redisadapter.ModeStreams {
			o.StreamName = cl.redisKey
			opts.ConnectionStateRecovery = &socketio.RecoveryOptions{}
		}
		b := redisadapter.New(client, o)
		opts.Adapter = b.Adapter
		cl.relay = relay.New(relay.RedisBus(client, "duplex-relay#"+b.Key()), &relay.Options{Logger: logger})
		opts.Engine.Router = cl.relay
		closeCluster = func() {
			_ = cl.relay.Close()
			_ = b.Close()
			_ = client.Close()
		}
	}
	io := socketio.NewServer(opts)
	benchfixture.Register(io)
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", io)
	return mux, func(ctx context.Context) {
		_ = io.Shutdown(ctx)
		if closeCluster != nil {
			closeCluster()
		}
	}, nil
}
