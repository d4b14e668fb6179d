package relay

import (
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/duplexio/duplex/engineio"
)

// maxPeers bounds the peer table: a broker shared with a misbehaving
// program must not grow it without end.
const maxPeers = 1024

// peer is a node that announced itself, with the proxy to it.
type peer struct {
	addr  string
	seen  time.Time
	proxy *httputil.ReverseProxy
}

// peerTable holds the live peers by node id.
type peerTable struct {
	r  *Relay
	mu sync.RWMutex
	m  map[string]*peer
}

// lookup returns the live peer holding the session sid, if any.
func (t *peerTable) lookup(sid string, ttl time.Duration) *peer {
	if len(sid) < nodeIDLen {
		return nil
	}
	t.mu.RLock()
	p := t.m[sid[:nodeIDLen]]
	t.mu.RUnlock()
	if p == nil || time.Since(p.seen) > ttl {
		return nil
	}
	return p
}

// seen records that node announced itself at addr now.
func (t *peerTable) seen(node, addr string, opts Options) {
	if !validAddr(addr) {
		return
	}
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if p := t.m[node]; p != nil && p.addr == addr {
		// Replaced, not changed in place: lookup reads p without the lock.
		t.m[node] = &peer{addr: addr, seen: now, proxy: p.proxy}
		return
	}
	t.prune(now, opts.PeerTTL)
	if len(t.m) >= maxPeers {
		return
	}
	if _, ok := t.m[node]; !ok {
		opts.Logger.Info("relay: peer joined", "node", node, "addr", addr)
	}
	t.m[node] = &peer{addr: addr, seen: now, proxy: t.r.newProxy(node, addr)}
}

// forget removes node, if its address is still addr ("" for any).
func (t *peerTable) forget(node, addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if p := t.m[node]; p != nil && (addr == "" || p.addr == addr) {
		delete(t.m, node)
		t.r.opts.Logger.Info("relay: peer left", "node", node, "addr", p.addr)
	}
}

// prune drops the peers not heard from within ttl; the caller holds mu.
func (t *peerTable) prune(now time.Time, ttl time.Duration) {
	for id, p := range t.m {
		if now.Sub(p.seen) > ttl {
			delete(t.m, id)
		}
	}
}

// newProxy returns the reverse proxy to the node at addr.
func (r *Relay) newProxy(node, addr string) *httputil.ReverseProxy {
	target := &url.URL{Scheme: "http", Host: addr}
	if r.opts.TLS != nil {
		target.Scheme = "https"
	}
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			forwardHeaders(pr)
			pr.Out.Header.Set(HeaderForwarded, r.id)
		},
		Transport: r.transport,
		ErrorLog:  slog.NewLogLogger(r.opts.Logger.Handler(), slog.LevelDebug),
		ErrorHandler: func(w http.ResponseWriter, req *http.Request, err error) {
			if req.Context().Err() != nil {
				return // the client left, or the relay closed
			}
			// The peer did not answer: it died or is leaving, and its
			// sessions with it. Forget it until it announces again.
			r.opts.Logger.Warn("relay: peer unreachable", "node", node, "addr", addr, "err", err)
			r.peers.forget(node, addr)
			// As for any unknown session: 400 {"code":1,"message":"Session ID unknown"}.
			(&engineio.RequestError{Code: engineio.CodeUnknownSID}).Respond(w)
		},
	}
}

// forwardHeaders keeps what the owner should see of the request as the
// balancer sent it: its Host (the owner checks a WebSocket's Origin against
// it), X-Forwarded-Host and X-Forwarded-Proto (the balancer's, which
// SetXForwarded would replace with this hop's), and X-Forwarded-For with
// the address this node received the request from appended.
func forwardHeaders(pr *httputil.ProxyRequest) {
	pr.Out.Host = pr.In.Host
	for _, h := range []string{"X-Forwarded-Host", "X-Forwarded-Proto"} {
		if v := pr.In.Header[h]; v != nil {
			pr.Out.Header[h] = v
		}
	}
	xff := strings.Join(pr.In.Header.Values("X-Forwarded-For"), ", ")
	if ip, _, err := net.SplitHostPort(pr.In.RemoteAddr); err == nil {
		if xff != "" {
			xff += ", "
		}
		xff += ip
	}
	if xff != "" {
		pr.Out.Header.Set("X-Forwarded-For", xff)
	}
}
