package socketio

import (
	"encoding/json"
	"slices"
	"sync"
)

// ParentNamespace creates namespaces on demand, for names its match
// function accepts (see Server.OfFunc). Its middleware and connection
// handlers apply to each child.
type ParentNamespace struct {
	server *Server
	match  func(name string, auth json.RawMessage) bool

	mu           sync.RWMutex
	children     map[string]*Namespace
	middlewares  []func(*Socket) error
	onConnection []func(*Socket)
}

// Use adds a middleware run in every child namespace before its own.
func (p *ParentNamespace) Use(fn func(*Socket) error) {
	p.mu.Lock()
	p.middlewares = append(p.middlewares, fn)
	p.mu.Unlock()
}

// OnConnection registers a connection handler for every child namespace.
func (p *ParentNamespace) OnConnection(fn func(*Socket)) {
	p.mu.Lock()
	p.onConnection = append(p.onConnection, fn)
	p.mu.Unlock()
}

// Children returns the namespaces created so far, in no particular order
// (without those removed empty: Options.CleanupEmptyChildNamespaces).
func (p *ParentNamespace) Children() []*Namespace {
	p.mu.RLock()
	defer p.mu.RUnlock()
	out := make([]*Namespace, 0, len(p.children))
	for _, ns := range p.children {
		out = append(out, ns)
	}
	return out
}

// Emit sends an event to every socket of every child namespace.
func (p *ParentNamespace) Emit(event string, args ...any) error {
	for _, ns := range p.Children() {
		if err := ns.Emit(event, args...); err != nil {
			return err
		}
	}
	return nil
}

func (p *ParentNamespace) middlewareList() []func(*Socket) error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return slices.Clone(p.middlewares)
}

func (p *ParentNamespace) connectionList() []func(*Socket) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return slices.Clone(p.onConnection)
}

// matches asks the user's match function, counting a panic as no match.
func (p *ParentNamespace) matches(name string, auth json.RawMessage) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			if o := p.server.opts.Observer; o != nil {
				o.HandlerPanicked(DynamicNamespace, PanicMatch)
			}
			p.server.opts.Logger.Error("socketio: panic in namespace match", "nsp", name, "panic", r)
			ok = false
		}
	}()
	return p.match(name, auth)
}

// child returns the namespace called name, held for a joining socket
// (Namespace.hold), creating it under p; if another parent or Of created it
// meanwhile, that one wins. An empty child being removed is replaced.
func (p *ParentNamespace) child(name string) *Namespace {
	s := p.server
	s.mu.Lock()
	ns := s.nsps[name]
	created := ns == nil || !ns.hold()
	if created {
		ns = newNamespace(s, name, p)
		ns.members = 1 // held before anyone else can see it
		s.nsps[name] = ns
	}
	s.mu.Unlock()
	if created {
		p.mu.Lock()
		if p.children == nil {
			p.children = map[string]*Namespace{}
		}
		p.children[name] = ns
		p.mu.Unlock()
	}
	return ns
}

// removeChild takes the empty child ns out of the server and of p, and
// closes its adapter, as Node's cleanupEmptyChildNamespaces does. Once the
// server shuts down it leaves ns to Shutdown, which closes every adapter.
func (p *ParentNamespace) removeChild(ns *Namespace) {
	s := p.server
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return
	}
	if s.nsps[ns.name] == ns {
		delete(s.nsps, ns.name)
	}
	s.mu.Unlock()
	p.mu.Lock()
	if p.children[ns.name] == ns {
		delete(p.children, ns.name)
	}
	p.mu.Unlock()
	if err := ns.adapter.Close(); err != nil {
		s.opts.Logger.Warn("socketio: closing the adapter of an empty namespace", "nsp", ns.name, "err", err)
	}
	s.opts.Logger.Debug("socketio: empty child namespace removed", "nsp", ns.name)
}
