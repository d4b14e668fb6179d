package socketio

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/internal/activity"
	"github.com/duplexio/duplex/internal/workpool"
)

// workerIdle is how long a handler goroutine waits for the next socket's
// events before it exits.
const workerIdle = 2 * time.Second

// Server is a Socket.IO server: the namespaces, and the engine under them.
// Its methods on the main namespace "/" (Emit, To, Use, ...) are shortcuts
// for Of("/").
type Server struct {
	opts   Options
	engine *engineio.Server

	mu      sync.RWMutex
	nsps    map[string]*Namespace
	parents []*ParentNamespace
	closing bool

	handlers activity.Counter // running socket dispatchers
	bg       background       // goroutines of broadcast acks and server-side events
	workers  *workpool.Pool   // the goroutines the dispatchers run on
	main     *Namespace
}

// NewServer returns a server with the main namespace "/" ready.
func NewServer(opts *Options) *Server {
	s := &Server{opts: opts.withDefaults(), nsps: map[string]*Namespace{}, workers: workpool.New(workerIdle)}
	s.engine = engineio.NewServer(&s.opts.Engine, s.onSession)
	s.main = s.Of("/")
	return s
}

// Engine returns the Engine.IO server under this one.
func (s *Server) Engine() *engineio.Server { return s.engine }

// Path returns the path the server answers under.
func (s *Server) Path() string { return s.opts.Path }

// ServeHTTP answers requests under Path and 404 elsewhere.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, s.opts.Path) && r.URL.Path+"/" != s.opts.Path {
		http.NotFound(w, r)
		return
	}
	s.engine.ServeHTTP(w, r)
}

// Of returns the namespace with the given name, creating it on first use.
// The name gets a leading "/" if it lacks one. A namespace created by Of is
// never removed, even with Options.CleanupEmptyChildNamespaces, and is not
// a child of an OfFunc parent.
func (s *Server) Of(name string) *Namespace {
	if !strings.HasPrefix(name, "/") {
		name = "/" + name
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ns := s.nsps[name]; ns != nil && !ns.isRemoved() {
		return ns
	}
	ns := newNamespace(s, name, nil)
	s.nsps[name] = ns
	return ns
}

// OfFunc declares dynamic namespaces: a client connecting to a namespace
// that does not exist yet gets it created when match accepts its name and
// auth payload. Middleware and connection handlers registered on the
// returned ParentNamespace apply to every namespace it creates.
func (s *Server) OfFunc(match func(name string, auth json.RawMessage) bool) *ParentNamespace {
	p := &ParentNamespace{server: s, match: match}
	s.mu.Lock()
	s.parents = append(s.parents, p)
	s.mu.Unlock()
	return p
}

// lookup finds the namespace a CONNECT packet names, creating a dynamic one
// if a parent accepts it, and holds it for the joining socket (see
// Namespace.hold). A known name is one map lookup; the parents' match
// functions run only for a name not known, or for an empty child being
// removed, as a new connection to it must be accepted again.
func (s *Server) lookup(name string, auth json.RawMessage) (*Namespace, bool) {
	s.mu.RLock()
	ns, parents := s.nsps[name], s.parents
	s.mu.RUnlock()
	if ns != nil && ns.hold() {
		return ns, true
	}
	for _, p := range parents {
		if p.matches(name, auth) {
			return p.child(name), true
		}
	}
	return nil, false
}

// Lookup returns the existing namespace of that name, or nil: unlike Of,
// it creates none, so that a caller walking Namespaces does not bring back
// a child removed meanwhile.
func (s *Server) Lookup(name string) *Namespace {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if ns := s.nsps[name]; ns != nil && !ns.isRemoved() {
		return ns
	}
	return nil
}

// Namespaces returns the names of the existing namespaces.
func (s *Server) Namespaces() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]string, 0, len(s.nsps))
	for n := range s.nsps {
		out = append(out, n)
	}
	return out
}

func (s *Server) onSession(sess *engineio.Session) engineio.Receiver {
	return newConn(s, sess)
}

// Shutdown stops the server gracefully, within ctx's deadline: it refuses
// new namespace connections and drops newly received events, lets the
// handlers already running finish (their acknowledgements still reach the
// clients), disconnects every socket with reason "server shutting down",
// flushes what is queued for each client and closes the engine, cancels
// and waits for the server's own goroutines (broadcast ack callbacks,
// server-side event handlers), then closes the adapters. When ctx ends first, what remains is closed at once
// and ctx's error returned.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	nsps := make([]*Namespace, 0, len(s.nsps))
	for _, ns := range s.nsps {
		nsps = append(nsps, ns)
	}
	s.mu.Unlock()
	err := s.handlers.Wait(ctx)
	for _, ns := range nsps {
		for _, sock := range ns.Sockets() {
			sock.onClose(ReasonServerShutdown, nil)
		}
	}
	if eerr := s.engine.Shutdown(ctx); err == nil {
		err = eerr
	}
	if herr := s.handlers.Wait(ctx); err == nil {
		err = herr
	}
	if berr := s.bg.stop(ctx); err == nil {
		err = berr
	}
	for _, ns := range nsps {
		_ = ns.adapter.Close()
	}
	if werr := s.workers.Stop(ctx); err == nil {
		err = werr
	}
	return err
}

// isClosing reports whether Shutdown has begun.
func (s *Server) isClosing() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.closing
}

// Close closes the server now, as net/http's Server.Close: it refuses new
// connections, closes every connection without waiting for what is queued
// for it to be sent (each socket's disconnect reason is "server shutting
// down"), cancels
// the server's own goroutines and closes the adapters, without waiting for
// handlers that are still running: they finish on their own, and their
// emits fail with ErrDisconnected. Use Shutdown to let them finish first.
func (s *Server) Close() error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Shutdown(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
