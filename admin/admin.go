package admin

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/duplexio/duplex/socketio"
)

// DefaultNamespace is the admin namespace of Node's instrument().
const DefaultNamespace = "/admin"

// statsInterval is how often each node sends its server_stats, as Node.
const statsInterval = 2 * time.Second

// Options configure the admin namespace. Auth or NoAuth must be set, as
// Node's instrument() requires its auth option.
type Options struct {
	// Namespace is the admin namespace (default "/admin").
	Namespace string
	// Auth is the one user allowed in. Nil refuses New unless NoAuth.
	Auth *BasicAuth
	// NoAuth lets anyone connect to the admin namespace.
	NoAuth bool
	// ReadOnly announces no operation, and handles none.
	ReadOnly bool
	// Production is Node's mode "production": no socket, room or event
	// notifications and no socket list, only the stats. The default is
	// Node's "development", which the UI's sockets and rooms pages need.
	Production bool
	// ServerID names this node in the UI (default the host name).
	ServerID string
	// MaxSessions bounds the sessions kept for logged-in UIs
	// (default 1000): past it the oldest is forgotten, and its UI logs in
	// again.
	MaxSessions int
	// SessionTTL is how long a session id lets a UI reconnect without its
	// password (default 24 hours, Node's RedisStore's).
	SessionTTL time.Duration
	// Logger gets the refused logins at debug level (default: discard).
	Logger *slog.Logger
}

// BasicAuth is the user name and the bcrypt hash of the password
// (htpasswd -bnBC 10 "" PASSWORD | tr -d ':\n', or bcrypt.GenerateFromPassword).
type BasicAuth struct {
	Username     string
	PasswordHash string
}

// ErrNoAuth is New's error when neither Auth nor NoAuth is set.
var ErrNoAuth = errors.New("admin: Options.Auth must be set, or NoAuth true")

// Admin is the admin UI's server side on one Server.
type Admin struct {
	opts       Options
	hash       []byte
	bcryptSlot chan struct{} // see passwordMatches
	sessions   *sessions
	engine     engineStats
	started    time.Time

	io   atomic.Pointer[socketio.Server]
	nsp  atomic.Pointer[socketio.Namespace]
	uis  atomic.Int64 // UIs connected to this node
	solo atomic.Bool  // no other node, as of the last stats: see watched
	stop chan struct{}
	done sync.WaitGroup
	once sync.Once
}

// New checks the options and returns an Admin to Instrument and Start.
func New(opts *Options) (*Admin, error) {
	o := *opts
	if o.Namespace == "" {
		o.Namespace = DefaultNamespace
	}
	if !strings.HasPrefix(o.Namespace, "/") {
		o.Namespace = "/" + o.Namespace
	}
	if o.ServerID == "" {
		o.ServerID, _ = os.Hostname()
	}
	if o.MaxSessions <= 0 {
		o.MaxSessions = 1000
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = 24 * time.Hour
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	a := &Admin{opts: o, stop: make(chan struct{}), started: time.Now()}
	switch {
	case o.Auth != nil:
		if _, err := bcrypt.Cost([]byte(o.Auth.PasswordHash)); err != nil {
			return nil, fmt.Errorf("admin: the password hash must be a bcrypt hash: %w", err)
		}
		a.hash = []byte(o.Auth.PasswordHash)
		a.bcryptSlot = make(chan struct{}, 1)
		a.sessions = newSessions(o.MaxSessions, o.SessionTTL)
	case !o.NoAuth:
		return nil, ErrNoAuth
	}
	return a, nil
}

// Instrument sets what the admin must hear of the server it will watch:
// opts.Monitor (replacing one already set), and opts.Engine.Observer,
// which it chains with one already set (metrics). Call it before
// socketio.NewServer(opts).
func (a *Admin) Instrument(opts *socketio.Options) {
	opts.Monitor = monitor{a}
	opts.Engine.Observer = chain(opts.Engine.Observer, &a.engine)
}

// Start serves the admin namespace on io, made with the options that
// Instrument saw, and starts sending the stats every 2 seconds until
// Close. Later calls do nothing.
func (a *Admin) Start(io *socketio.Server) {
	if !a.io.CompareAndSwap(nil, io) {
		return
	}
	nsp := io.Of(a.opts.Namespace)
	if a.hash != nil {
		nsp.Use(a.authenticate)
	}
	nsp.OnConnection(a.onConnection)
	a.nsp.Store(nsp)
	a.done.Add(1)
	go a.sendStats()
}

// Close stops the stats; the namespace stays until the server closes.
func (a *Admin) Close() error {
	a.once.Do(func() { close(a.stop) })
	a.done.Wait()
	return nil
}

// features are the supportedFeatures of the config event.
func (a *Admin) features() []string {
	var f []string
	if !a.opts.ReadOnly {
		f = append(f, "EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT")
	}
	f = append(f, "AGGREGATED_EVENTS")
	if !a.opts.Production {
		f = append(f, "ALL_EVENTS")
	}
	return f
}
