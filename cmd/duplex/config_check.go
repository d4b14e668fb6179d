package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Every refusal of a setting names the setting as the operator wrote it,
// the flag (--max-payload=-5) or the variable (DUPLEX_MAX_PAYLOAD=-5), and
// says what is wanted, with an example where the syntax is not obvious:
// "parse error" or a flag name for a variable sends the operator looking.

// settingError is a setting that cannot be used.
type settingError struct {
	source string // --max-payload or DUPLEX_MAX_PAYLOAD
	value  string // as given
	want   string // what would do
}

func (e *settingError) Error() string {
	return fmt.Sprintf("%s=%q: %s", e.source, e.value, e.want)
}

// Hints replace the flag package's "parse error" by the syntax wanted.
const (
	wantDuration = "want a duration with a unit, such as 25s, 1m30s or 500ms"
	wantInteger  = "want a whole number"
	wantBool     = "want true or false"
	wantLevel    = "want debug, info, warn or error"
)

// sources records where each setting came from, to name it in errors.
type sources struct {
	fs     *flag.FlagSet
	raw    map[string]string // flag name: the text given, flag or variable
	fromEn map[string]bool   // flag name: set by its variable
	failed *settingError     // the first value a flag refused while parsing
}

// trackSources wraps every flag of fs so that a value it refuses becomes a
// settingError and the text of every value given is kept.
func trackSources(fs *flag.FlagSet) *sources {
	src := &sources{fs: fs, raw: map[string]string{}, fromEn: map[string]bool{}}
	fs.VisitAll(func(f *flag.Flag) {
		f.Value = &trackedValue{Value: f.Value, name: f.Name, src: src}
	})
	return src
}

// name is how the operator gave the setting of flag name.
func (s *sources) name(flagName string) string {
	if s.fromEn[flagName] {
		return envName(flagName)
	}
	return "--" + flagName
}

// refuse is the error for flag name's value, which is not what is wanted.
func (s *sources) refuse(flagName, want string) error {
	v, ok := s.raw[flagName]
	if !ok {
		v = s.fs.Lookup(flagName).Value.String()
	}
	return &settingError{source: s.name(flagName), value: v, want: want}
}

// setFromEnv sets a flag from its variable.
func (s *sources) setFromEnv(flagName, value string) error {
	s.fromEn[flagName] = true
	if err := s.fs.Set(flagName, value); err != nil {
		return &settingError{source: envName(flagName), value: value, want: err.Error()}
	}
	return nil
}

// parseError turns the flag package's error for a refused value into the
// settingError recorded by the value; other errors are left as they are.
func (s *sources) parseError(err error) error {
	if s.failed != nil {
		return s.failed
	}
	return err
}

// trackedValue is a flag.Value that records its text and explains refusals.
type trackedValue struct {
	flag.Value
	name string
	src  *sources
}

func (v *trackedValue) Set(text string) error {
	v.src.raw[v.name] = text
	err := v.Value.Set(text)
	if err == nil {
		return nil
	}
	want := hint(v.Value, err)
	if !v.src.fromEn[v.name] && v.src.failed == nil {
		v.src.failed = &settingError{source: "--" + v.name, value: text, want: want}
	}
	return errors.New(want)
}

// IsBoolFlag keeps --flag without a value working for boolean flags.
func (v *trackedValue) IsBoolFlag() bool {
	b, ok := v.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// hint says what a flag of v's type wants, when its own error is the flag
// package's bare "parse error" or a library's.
func hint(v flag.Value, err error) string {
	g, ok := v.(flag.Getter)
	if !ok {
		return err.Error()
	}
	switch g.Get().(type) {
	case time.Duration:
		return wantDuration
	case int, int64, uint, uint64:
		return wantInteger
	case bool:
		return wantBool
	case slog.Level, *slog.Level: // TextVar gives the pointer
		return wantLevel
	}
	return err.Error()
}

// validate checks the settings together, naming each as it was given.
func (c *config) validate(src *sources) error {
	c.path = normalizePath(c.path)
	switch {
	case c.path == "/":
		return src.refuse("path", "the Socket.IO path cannot be /, where the chat page is")
	case strings.ContainsAny(c.path, " {}?#%"):
		return src.refuse("path", "use letters, digits and / . _ - only")
	case c.logFormat != "text" && c.logFormat != "json":
		return src.refuse("log-format", "want text or json")
	case c.redisMode != "" && c.redisMode != "classic" && c.redisMode != "sharded" && c.redisMode != "streams":
		return src.refuse("redis-mode", "want classic, sharded or streams")
	case c.redisURL != "" && !strings.HasPrefix(c.redisURL, "redis://") && !strings.HasPrefix(c.redisURL, "rediss://"):
		return src.refuse("redis", "want a redis:// or rediss:// URL, such as redis://redis.internal:6379/0")
	case c.natsURL != "" && c.redisURL != "":
		return fmt.Errorf("%s and %s: choose one broker", src.name("nats"), src.name("redis"))
	case c.natsURL != "" && !strings.HasPrefix(c.natsURL, "nats://") && !strings.HasPrefix(c.natsURL, "tls://"):
		return src.refuse("nats", "want a nats:// or tls:// URL, such as nats://nats.internal:4222")
	}
	if err := c.admin.validate(src); err != nil {
		return err
	}
	if c.admin.on && strings.HasPrefix(c.path, "/admin/") {
		return src.refuse("path", "the admin UI is served at /admin/ (--admin): choose another path")
	}
	return c.checkValues(src)
}

// checkValues validates the settings that are read as plain values
// (positive durations and sizes, an address, origins).
func (c *config) checkValues(src *sources) error {
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"ping-interval", c.pingInterval}, {"ping-timeout", c.pingTimeout}, {"shutdown-timeout", c.shutdownTimeout}} {
		if d.v <= 0 {
			return src.refuse(d.name, "want a positive duration, such as 25s, 1m30s or 500ms")
		}
	}
	switch {
	case !validAddr(c.addr):
		return src.refuse("addr", "want HOST:PORT, such as :3000 or 127.0.0.1:8080 (port 0 picks a free port)")
	case c.advertiseAddr != "" && !validAdvertiseAddr(c.advertiseAddr):
		return src.refuse("advertise-addr", "want HOST:PORT that the other nodes can reach, such as 10.0.0.5:3000 or node1.internal:3000")
	case c.maxPayload <= 0:
		return src.refuse("max-payload", "want a positive number of bytes, such as 1000000")
	case c.maxConnections < 0:
		return src.refuse("max-connections", "want 0 (no limit) or a positive number")
	}
	for _, o := range c.corsOrigins {
		if !validOrigin(o) {
			return src.refuse("cors-origins", fmt.Sprintf("%q is not an origin: want * or scheme://host[:port] without a path, such as https://example.com", o))
		}
	}
	return c.checkTLS(src)
}

// checkTLS validates --tls-cert, --tls-key and --http3-addr together; the
// files are read when the server starts.
func (c *config) checkTLS(src *sources) error {
	switch {
	case c.tlsCert != "" && c.tlsKey == "":
		return src.refuse("tls-cert", "needs "+src.name("tls-key")+" too, the certificate's private key")
	case c.tlsKey != "" && c.tlsCert == "":
		return src.refuse("tls-key", "needs "+src.name("tls-cert")+" too, the certificate it belongs to")
	case c.http3Addr == "":
		return nil
	case !validAddr(c.http3Addr):
		return src.refuse("http3-addr", "want HOST:PORT, such as :443 (the port of --addr, over UDP)")
	case c.tlsCert == "":
		return src.refuse("http3-addr", "needs --tls-cert and --tls-key: HTTP/3 runs over TLS only")
	}
	return nil
}

// validAddr reports whether addr is something net.Listen("tcp") takes:
// HOST:PORT, an empty host meaning every interface, the port a number or
// a service name such as http.
func validAddr(addr string) bool {
	_, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return false
	}
	if _, err := strconv.ParseUint(port, 10, 16); err == nil {
		return true
	}
	_, err = net.LookupPort("tcp", port)
	return err == nil
}

// validOrigin reports whether o can match a browser's Origin header, which
// is scheme://host[:port] and nothing more: the engine compares them as
// strings, so "https://example.com/" or "example.com" would never match.
func validOrigin(o string) bool {
	if o == "*" {
		return true
	}
	u, err := url.Parse(o)
	if err != nil || u.Host == "" || u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(o, "?") || strings.HasSuffix(o, "#") {
		return false
	}
	return u.Scheme != "" && u.Scheme+"://"+u.Host == o
}

// validAdvertiseAddr accepts HOST:PORT with a host and a numeric port.
func validAdvertiseAddr(addr string) bool {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return false
	}
	n, err := strconv.ParseUint(port, 10, 16)
	return err == nil && n > 0
}
