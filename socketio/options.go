package socketio

import (
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/engineio"
)

// Options configure a Server. Zero values mean the defaults of Node's
// socket.io.
type Options struct {
	// Path the server answers under (default "/socket.io/").
	Path string
	// ConnectTimeout closes a connection that has joined no namespace in
	// this time (default 45s).
	ConnectTimeout time.Duration
	// Adapter creates each namespace's adapter (default adapter.NewMemory).
	Adapter adapter.Factory
	// Logger receives connection events at debug level and handler errors;
	// nil discards them.
	Logger *slog.Logger
	// ConnectionStateRecovery, when set, lets a client that lost its
	// connection resume its session (id, rooms, data) and receive the
	// broadcasts it missed; nil turns it off. See RecoveryOptions.
	ConnectionStateRecovery *RecoveryOptions

	// Engine.IO options; see engineio.Options.
	PingInterval      time.Duration
	PingTimeout       time.Duration
	UpgradeTimeout    time.Duration
	MaxHTTPBufferSize int64
	Transports        []string
	DisableUpgrades   bool
	AllowRequest      func(r *http.Request) error
	CORS              *engineio.CORS
	WriteQueueSize    int
	MaxConnections    int
	MaxHeaderBytes    int
}

// DefaultConnectTimeout is Node's connectTimeout.
const DefaultConnectTimeout = 45 * time.Second

func (o *Options) withDefaults() Options {
	var c Options
	if o != nil {
		c = *o
	}
	if c.Path == "" {
		c.Path = "/socket.io/"
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = DefaultConnectTimeout
	}
	if r := c.ConnectionStateRecovery; r != nil {
		rc := *r
		if rc.MaxDisconnectionDuration <= 0 {
			rc.MaxDisconnectionDuration = adapter.DefaultMaxDisconnectionDuration
		}
		c.ConnectionStateRecovery = &rc
		if c.Adapter == nil {
			c.Adapter = adapter.NewSessionMemory(rc.MaxDisconnectionDuration)
		}
	}
	if c.Adapter == nil {
		c.Adapter = adapter.NewMemory
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return c
}

func (o *Options) engine() *engineio.Options {
	return &engineio.Options{
		PingInterval:      o.PingInterval,
		PingTimeout:       o.PingTimeout,
		UpgradeTimeout:    o.UpgradeTimeout,
		MaxHTTPBufferSize: o.MaxHTTPBufferSize,
		Transports:        o.Transports,
		DisableUpgrades:   o.DisableUpgrades,
		AllowRequest:      o.AllowRequest,
		CORS:              o.CORS,
		WriteQueueSize:    o.WriteQueueSize,
		MaxConnections:    o.MaxConnections,
		MaxHeaderBytes:    o.MaxHeaderBytes,
		Logger:            o.Logger,
	}
}
