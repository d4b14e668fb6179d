package relay

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/internal/activity"
)

// HeaderForwarded marks a request one node forwarded to another, with the
// forwarding node's id: such a request is never forwarded again.
const HeaderForwarded = "Duplex-Relay"

// nodeIDLen is the length of every node id, the prefix of its session
// ids: 6 URL-safe base64 characters, 36 random bits, so that two nodes of
// a cluster of 100 share an id with odds of 1 in 14 million (a node that
// hears its own id from another address logs it).
const nodeIDLen = 6

// Defaults of Options.
const (
	DefaultAnnounceInterval = 5 * time.Second
	DefaultPeerTTL          = 3 * DefaultAnnounceInterval
)

// Options configure a Relay.
type Options struct {
	// AnnounceInterval is how often the node announces itself (default 5s).
	AnnounceInterval time.Duration
	// PeerTTL is how long a peer counts as alive after its last
	// announcement (default 15s). A peer that does not answer a forwarded
	// request is dropped at once.
	PeerTTL time.Duration
	// Logger receives peers joining and leaving and forwarding failures;
	// nil discards.
	Logger *slog.Logger
	// TLS, when set, makes the node forward over HTTPS with this client
	// configuration: set it when the nodes serve TLS themselves rather
	// than behind a balancer that terminates it. Peers are reached at
	// their advertised address, often an IP that their certificate does
	// not name: a VerifyConnection of your own (duplex pins the nodes'
	// shared certificate) fits better than host name checks.
	TLS *tls.Config
}

// Relay is one node's part of the relay: its node id, its table of peers,
// and the forwarding of requests to them. It implements engineio.Router:
// set it as engineio.Options.Router (socketio.Options.Engine.Router).
type Relay struct {
	id        string
	addr      string // advertised, set by Start
	bus       Bus
	opts      Options
	peers     peerTable
	transport *http.Transport

	ctx       context.Context // ends at Close: forwarded requests and tunnels end with it
	cancel    context.CancelFunc
	stop      func()           // the Bus subscription
	kick      chan struct{}    // a peer said hello: announce now
	loop      sync.WaitGroup   // the announce loop
	active    activity.Counter // requests being forwarded
	closeOnce sync.Once
}

var _ engineio.Router = (*Relay)(nil)

// New returns a node's relay over bus, with a new random node id; opts
// may be nil. Set it as the engine's Router, then Start it once the node
// listens, and Close it after the HTTP server has stopped.
func New(bus Bus, opts *Options) *Relay {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.AnnounceInterval <= 0 {
		o.AnnounceInterval = DefaultAnnounceInterval
	}
	if o.PeerTTL <= 0 {
		o.PeerTTL = 3 * o.AnnounceInterval
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	r := &Relay{id: newNodeID(), bus: bus, opts: o, kick: make(chan struct{}, 1)}
	r.peers = peerTable{r: r, m: map[string]*peer{}}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	r.transport = &http.Transport{
		Proxy:               nil, // peers are reached directly, whatever HTTP_PROXY says
		DialContext:         (&net.Dialer{Timeout: 3 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        1024,
		MaxIdleConnsPerHost: 256, // a long-polling client holds one request per session
		IdleConnTimeout:     90 * time.Second,
		TLSClientConfig:     o.TLS, // HTTP/1.1 only: a WebSocket tunnel is an HTTP/1.1 upgrade
	}
	return r
}

// NodeID returns the node's id, the prefix of its session ids.
func (r *Relay) NodeID() string { return r.id }

// SessionPrefix returns the node id (engineio.Router).
func (r *Relay) SessionPrefix() string { return r.id }

// Start subscribes to the Bus and announces that the node serves HTTP at
// addr, a host:port at which the other nodes reach it (not 0.0.0.0); the
// peers answer with their own announcements.
func (r *Relay) Start(addr string) error {
	if !validAddr(addr) {
		return fmt.Errorf("relay: advertised address %q: want host:port, as the other nodes reach this one", addr)
	}
	r.addr = addr
	stop, err := r.bus.Subscribe(r.handle)
	if err != nil {
		return err
	}
	r.stop = stop
	r.publish(msgHello)
	r.loop.Add(1)
	go r.announceLoop()
	return nil
}

// Close tells the peers the node leaves, stops announcing, and ends the
// requests and WebSocket tunnels it is forwarding. Later calls do nothing.
func (r *Relay) Close() error {
	r.closeOnce.Do(r.close)
	return nil
}

func (r *Relay) close() {
	if r.stop != nil {
		r.publish(msgBye)
	}
	r.cancel()
	if r.stop != nil {
		r.stop()
	}
	r.loop.Wait()
	_ = r.active.Wait(context.Background()) // each ends with r.ctx
	r.transport.CloseIdleConnections()
}

// Route forwards r to the live peer whose id starts sid (engineio.Router).
// It refuses a request another node already forwarded.
func (r *Relay) Route(w http.ResponseWriter, req *http.Request, sid string) bool {
	if req.Header.Get(HeaderForwarded) != "" {
		return false
	}
	p := r.peers.lookup(sid, r.opts.PeerTTL)
	if p == nil || r.ctx.Err() != nil {
		return false
	}
	r.active.Add()
	defer r.active.Done()
	// A hijacked WebSocket outlives net/http's Shutdown: the relay's own
	// context ends its tunnel at Close.
	ctx, cancel := context.WithCancel(req.Context())
	defer cancel()
	defer context.AfterFunc(r.ctx, cancel)()
	p.proxy.ServeHTTP(w, req.WithContext(ctx))
	return true
}

// Peers returns the live peers' addresses by node id.
func (r *Relay) Peers() map[string]string {
	r.peers.mu.RLock()
	defer r.peers.mu.RUnlock()
	out := make(map[string]string, len(r.peers.m))
	for id, p := range r.peers.m {
		if time.Since(p.seen) <= r.opts.PeerTTL {
			out[id] = p.addr
		}
	}
	return out
}

func newNodeID() string {
	var b [nodeIDLen * 3 / 4]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func validNodeID(id string) bool {
	if len(id) != nodeIDLen {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(id)
	return err == nil
}
