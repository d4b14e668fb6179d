package main

import (
	"bytes"
	"flag"
	"io"
	"testing"
)

// Each refusal names the setting as given, flag or variable, and says what
// would do; the messages are the interface, so they are compared whole.
func TestSettingMessages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"negative duration without unit", []string{"--ping-interval=-1"}, nil,
			`--ping-interval="-1": want a duration with a unit, such as 25s, 1m30s or 500ms`},
		{"duration variable", nil, map[string]string{"DUPLEX_PING_INTERVAL": "abc"},
			`DUPLEX_PING_INTERVAL="abc": want a duration with a unit, such as 25s, 1m30s or 500ms`},
		{"negative duration", []string{"--ping-timeout", "-5s"}, nil,
			`--ping-timeout="-5s": want a positive duration, such as 25s, 1m30s or 500ms`},
		{"zero duration variable", nil, map[string]string{"DUPLEX_SHUTDOWN_TIMEOUT": "0s"},
			`DUPLEX_SHUTDOWN_TIMEOUT="0s": want a positive duration, such as 25s, 1m30s or 500ms`},
		{"payload variable", nil, map[string]string{"DUPLEX_MAX_PAYLOAD": "-5"},
			`DUPLEX_MAX_PAYLOAD="-5": want a positive number of bytes, such as 1000000`},
		{"payload flag", []string{"--max-payload", "0"}, nil,
			`--max-payload="0": want a positive number of bytes, such as 1000000`},
		{"payload not a number", []string{"--max-payload", "1MB"}, nil,
			`--max-payload="1MB": want a whole number`},
		{"connections variable", nil, map[string]string{"DUPLEX_MAX_CONNECTIONS": "-1"},
			`DUPLEX_MAX_CONNECTIONS="-1": want 0 (no limit) or a positive number`},
		{"address variable", nil, map[string]string{"DUPLEX_ADDR": "garbage"},
			`DUPLEX_ADDR="garbage": want HOST:PORT, such as :3000 or 127.0.0.1:8080 (port 0 picks a free port)`},
		{"address port", []string{"--addr", "localhost:99999"}, nil,
			`--addr="localhost:99999": want HOST:PORT, such as :3000 or 127.0.0.1:8080 (port 0 picks a free port)`},
		{"origin not a url", []string{"--cors-origins", "not a url"}, nil,
			`--cors-origins="not a url": "not a url" is not an origin: want * or scheme://host[:port] without a path, such as https://example.com`},
		{"origin with a path", nil, map[string]string{"DUPLEX_CORS_ORIGINS": "https://a.example,https://b.example/"},
			`DUPLEX_CORS_ORIGINS="https://a.example,https://b.example/": "https://b.example/" is not an origin: want * or scheme://host[:port] without a path, such as https://example.com`},
		{"origin without scheme", []string{"--cors-origins", "example.com"}, nil,
			`--cors-origins="example.com": "example.com" is not an origin: want * or scheme://host[:port] without a path, such as https://example.com`},
		{"log level variable", nil, map[string]string{"DUPLEX_LOG_LEVEL": "loud"},
			`DUPLEX_LOG_LEVEL="loud": want debug, info, warn or error`},
		{"log format variable", nil, map[string]string{"DUPLEX_LOG_FORMAT": "xml"},
			`DUPLEX_LOG_FORMAT="xml": want text or json`},
		{"root path variable", nil, map[string]string{"DUPLEX_PATH": "/"},
			`DUPLEX_PATH="/": the Socket.IO path cannot be /, where the chat page is`},
		{"odd path", []string{"--path", "/a b/"}, nil,
			`--path="/a b/": use letters, digits and / . _ - only`},
		{"redis url", []string{"--redis", "cache.internal:6379"}, nil,
			`--redis="cache.internal:6379": want a redis:// or rediss:// URL, such as redis://redis.internal:6379/0`},
		{"redis mode variable", []string{"--redis", "redis://h:6379"}, map[string]string{"DUPLEX_REDIS_MODE": "stream"},
			`DUPLEX_REDIS_MODE="stream": want classic, sharded or streams`},
		{"nats url", []string{"--nats", "http://h:4222"}, nil,
			`--nats="http://h:4222": want a nats:// or tls:// URL, such as nats://nats.internal:4222`},
		{"two brokers", []string{"--redis", "redis://h:6379"}, map[string]string{"DUPLEX_NATS": "nats://h:4222"},
			`DUPLEX_NATS and --redis: choose one broker`},
		{"advertise address", []string{"--advertise-addr", ":3000"}, nil,
			`--advertise-addr=":3000": want HOST:PORT that the other nodes can reach, such as 10.0.0.5:3000 or node1.internal:3000`},
		{"chat limit variable", nil, map[string]string{"DUPLEX_CHAT_MESSAGE_BURST": "0"},
			`DUPLEX_CHAT_MESSAGE_BURST="0": want a positive integer`},
		{"chat limit flag", []string{"--chat-message-burst", "0"}, nil,
			`--chat-message-burst="0": want a positive integer`},
		{"certificate without key", []string{"--tls-cert", "c.pem"}, nil,
			`--tls-cert="c.pem": needs --tls-key too, the certificate's private key`},
		{"key variable without certificate", nil, map[string]string{"DUPLEX_TLS_KEY": "k.pem"},
			`DUPLEX_TLS_KEY="k.pem": needs --tls-cert too, the certificate it belongs to`},
		{"http3 without TLS", []string{"--http3-addr", ":443"}, nil,
			`--http3-addr=":443": needs --tls-cert and --tls-key: HTTP/3 runs over TLS only`},
		{"http3 address variable", []string{"--tls-cert", "c.pem", "--tls-key", "k.pem"}, map[string]string{"DUPLEX_HTTP3_ADDR": "443"},
			`DUPLEX_HTTP3_ADDR="443": want HOST:PORT, such as :443 (the port of --addr, over UDP)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseConfig(tt.args, func(k string) string { return tt.env[k] })
			if err == nil || err.Error() != tt.want {
				t.Errorf("error %v\nwant        %s", err, tt.want)
			}
		})
	}
}

// Good values pass the checks: named ports, an empty host, origins with
// ports.
func TestSettingValuesAccepted(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"--addr", "localhost:http"},
		{"--addr", "[::1]:0"},
		{"--cors-origins", "*"},
		{"--cors-origins", "http://localhost:8080, https://example.com"},
		{"--tls-cert", "c.pem", "--tls-key", "k.pem", "--http3-addr", ":443"},
	} {
		if _, err := parseConfig(args, func(string) string { return "" }); err != nil {
			t.Errorf("%q: %v", args, err)
		}
	}
}

// The wrapping of flag values keeps boolean flags working without a value
// (as a --metrics flag would be) and explains a bad one.
func TestTrackedBoolFlag(t *testing.T) {
	t.Parallel()
	var on bool
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.BoolVar(&on, "switch", false, "")
	src := trackSources(fs)
	if err := fs.Parse([]string{"--switch"}); err != nil || !on {
		t.Errorf("--switch: %v, value %v", err, on)
	}
	err := src.parseError(fs.Parse([]string{"--switch=maybe"}))
	if want := `--switch="maybe": want true or false`; err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}

// What the operator sees on the terminal for a refused setting.
func TestSettingMessageOnStderr(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	code := run([]string{"--ping-interval=-1"}, nil, &stdout, &stderr)
	const want = "duplex: --ping-interval=\"-1\": want a duration with a unit, such as 25s, 1m30s or 500ms\nRun 'duplex -h' for the flags.\n"
	if code != 2 || stderr.String() != want {
		t.Errorf("exit code %d, stderr %q\nwant 2 and %q", code, stderr.String(), want)
	}
}
