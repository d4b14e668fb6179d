package main

import (
	"bytes"
	"errors"
	"flag"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseConfig(t *testing.T) {
	t.Parallel()
	defaults := config{
		addr: ":3000", path: "/socket.io/", pingInterval: 25 * time.Second, pingTimeout: 20 * time.Second,
		maxPayload: 1e6, maxConnections: defaultMaxConnections(), logLevel: slog.LevelInfo, logFormat: "text", shutdownTimeout: 10 * time.Second,
		admin: adminConfig{mode: "development"},
	}
	with := func(f func(*config)) config { c := defaults; f(&c); return c }
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want config
	}{
		{"defaults", nil, nil, defaults},
		{"flags", []string{"--addr", "127.0.0.1:0", "--path", "rt", "--cors-origins", "https://a.example, https://b.example",
			"--ping-interval", "1s", "--ping-timeout", "2s", "--max-payload", "4096", "--log-level", "debug", "--log-format", "json"},
			nil, with(func(c *config) {
				c.addr, c.path, c.corsOrigins = "127.0.0.1:0", "/rt/", []string{"https://a.example", "https://b.example"}
				c.pingInterval, c.pingTimeout, c.maxPayload = time.Second, 2*time.Second, 4096
				c.logLevel, c.logFormat = slog.LevelDebug, "json"
			})},
		{"environment", nil, map[string]string{"DUPLEX_ADDR": ":8080", "DUPLEX_LOG_LEVEL": "warn", "DUPLEX_CORS_ORIGINS": "*", "DUPLEX_SHUTDOWN_TIMEOUT": "3s"},
			with(func(c *config) {
				c.addr, c.logLevel, c.corsOrigins, c.shutdownTimeout = ":8080", slog.LevelWarn, []string{"*"}, 3*time.Second
			})},
		{"chat limits", []string{"--chat-max-rooms-per-user", "7", "--chat-message-rate", "0.5"}, map[string]string{"DUPLEX_CHAT_HISTORY_BYTES": "1048576"},
			with(func(c *config) {
				c.chat.MaxRoomsPerUser, c.chat.MessageRate, c.chat.HistoryBytes = 7, 0.5, 1<<20
			})},
		{"chat sessions", []string{"--chat-session-ttl", "90m"}, map[string]string{"DUPLEX_CHAT_SESSION_BYTES": "4096"},
			with(func(c *config) { c.chat.SessionTTL, c.chat.SessionBytes = 90*time.Minute, 4096 })},
		{"connection limit", []string{"--max-connections", "0"}, map[string]string{"DUPLEX_MAX_CONNECTIONS": "5"},
			with(func(c *config) { c.maxConnections = 0 })},
		{"connection limit from the environment", nil, map[string]string{"DUPLEX_MAX_CONNECTIONS": "5"},
			with(func(c *config) { c.maxConnections = 5 })},
		{"a flag wins over its variable", []string{"-addr=:9000"}, map[string]string{"DUPLEX_ADDR": ":8080", "DUPLEX_PATH": "/io/"},
			with(func(c *config) { c.addr, c.path = ":9000", "/io/" })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseConfig(tt.args, func(k string) string { return tt.env[k] })
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", *got, tt.want)
			}
		})
	}
}

func TestParseConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"unknown flag", []string{"--bogus"}, nil, "flag provided but not defined"},
		{"argument", []string{"serve"}, nil, `unexpected argument "serve"`},
		{"bad variable", nil, map[string]string{"DUPLEX_PING_INTERVAL": "soon"}, `DUPLEX_PING_INTERVAL="soon"`},
		{"root path", []string{"--path", "/"}, nil, "cannot be /"},
		{"odd path", []string{"--path", "/a b/"}, nil, "letters, digits"},
		{"zero ping", []string{"--ping-timeout", "0s"}, nil, "want a positive duration"},
		{"negative connection limit", []string{"--max-connections", "-1"}, nil, `--max-connections="-1": want 0`},
		{"log format", []string{"--log-format", "xml"}, nil, "want text or json"},
		{"log level", []string{"--log-level", "loud"}, nil, "loud"},
		{"no broker flag: --redis and --nats choose", []string{"--broker", "redis"}, nil, "flag provided but not defined: -broker"},
		{"nats and redis", []string{"--nats", "nats://h:4222", "--redis", "redis://h:6379"}, nil, "choose one broker"},
		{"chat limit", []string{"--chat-message-burst", "0"}, nil, "want a positive integer"},
		{"chat rate", nil, map[string]string{"DUPLEX_CHAT_TYPING_RATE": "fast"}, "want a positive number"},
		{"chat session ttl", nil, map[string]string{"DUPLEX_CHAT_SESSION_TTL": "-1h"}, "want a positive duration"},
		{"redis mode", []string{"--redis", "redis://h:6379", "--redis-mode", "stream"}, nil, "want classic, sharded or streams"},
		{"nats url", []string{"--nats", "http://h:4222"}, nil, "want a nats://"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseConfig(tt.args, func(k string) string { return tt.env[k] })
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
	if _, err := parseConfig([]string{"-h"}, func(string) string { return "" }); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v, want flag.ErrHelp", err)
	}
}

// The default connection cap stays under the open-file limit, with room
// for the descriptors that are not sessions.
func TestDefaultMaxConnections(t *testing.T) {
	t.Parallel()
	n, limit := defaultMaxConnections(), openFileLimit()
	if limit > 0 && (n <= 0 || n > limit-64) {
		t.Errorf("defaultMaxConnections() = %d with an open-file limit of %d", n, limit)
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-h"}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("duplex -h: exit code %d, stderr %q", code, stderr.String())
	}
	newFlagSet(&config{}).VisitAll(func(f *flag.Flag) {
		for _, want := range []string{"--" + f.Name + " ", "$" + envName(f.Name)} {
			if !strings.Contains(stdout.String(), want) {
				t.Errorf("duplex -h does not document %s", want)
			}
		}
	})
}

func TestUsageError(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"--addr"}, nil, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "duplex -h") {
		t.Errorf("exit code %d, stderr %q: want 2 and a hint", code, stderr.String())
	}
}
