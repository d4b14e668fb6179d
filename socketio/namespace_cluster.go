package socketio

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"sync"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/internal/typedfunc"
	"github.com/duplexio/duplex/parser"
)

// serverSideHandlers are a namespace's handlers of events sent by other
// nodes with ServerSideEmit.
type serverSideHandlers struct {
	mu sync.RWMutex
	m  map[string][]*eventHandler
}

// OnServerSideEmit registers a handler for an event that another node of
// the cluster sends with ServerSideEmit or ServerSideEmitWithAck (Node's
// io.on(event) for serverSideEmit). fn has the shapes Socket.On accepts; a
// trailing AckFunc answers the sender, and only its first argument is sent,
// as in Node. Handlers run on their own goroutine, so they may emit and
// wait for other nodes. OnServerSideEmit panics if fn has a shape it cannot
// call.
//
//	ns.OnServerSideEmit("ping", func(n int, ack socketio.AckFunc) { ack(n + 1) })
func (ns *Namespace) OnServerSideEmit(event string, fn any) {
	h, err := newEventHandler(fn, false)
	if err != nil {
		panic(fmt.Sprintf("socketio: OnServerSideEmit(%q): %v", event, err))
	}
	ns.serverSide.mu.Lock()
	if ns.serverSide.m == nil {
		ns.serverSide.m = map[string][]*eventHandler{}
	}
	ns.serverSide.m[event] = append(ns.serverSide.m[event], h)
	ns.serverSide.mu.Unlock()
}

// serverSideEmitReceived serves adapter.ClusterNamespace: it runs the
// handlers of the event (see Namespace.OnServerSideEmit), on a new goroutine so that the transport that
// delivered it is never held up by user code. Shutdown waits for that
// goroutine; once it has begun, events are dropped.
func (ns *Namespace) serverSideEmitReceived(p *parser.Packet, ack func(json.RawMessage)) {
	event, args, err := ns.server.splitEvent(p)
	if err != nil {
		ns.server.opts.Logger.Warn("socketio: invalid server-side event", "nsp", ns.name, "err", err)
		return
	}
	ns.serverSide.mu.RLock()
	hs := ns.serverSide.m[event]
	ns.serverSide.mu.RUnlock()
	if len(hs) == 0 {
		return
	}
	reply := serverSideAck(ack)
	started := ns.server.bg.start(func(context.Context) {
		for _, h := range hs {
			ns.callServerSide(h, event, args, reply)
		}
	})
	if !started {
		ns.server.opts.Logger.Debug("socketio: server-side event dropped: shutting down", "event", event, "nsp", ns.name)
	}
}

// serverSideAck adapts the adapter's answer callback to an AckFunc: the
// first argument, JSON-encoded, is the node's answer.
func serverSideAck(ack func(json.RawMessage)) AckFunc {
	if ack == nil {
		return nil
	}
	return func(args ...any) {
		answer := json.RawMessage("null")
		if len(args) > 0 {
			if b, err := json.Marshal(args[0]); err == nil {
				answer = b
			}
		}
		ack(answer)
	}
}

func (ns *Namespace) callServerSide(h *eventHandler, event string, args Args, ack AckFunc) {
	log := ns.server.opts.Logger
	defer func() {
		if r := recover(); r != nil {
			ns.panicked(PanicServerSide)
			log.Error("socketio: panic in server-side handler", "event", event, "nsp", ns.name, "panic", r, "stack", string(debug.Stack()))
		}
	}()
	if err := h.Call(event, args.a, typedfunc.AckFunc(ack)); err != nil {
		log.Error("socketio: server-side handler", "event", event, "nsp", ns.name, "err", err)
	}
}

// AllRooms returns the rooms that have members on any node of the cluster,
// or on this node with an adapter that knows no cluster.
func (ns *Namespace) AllRooms(ctx context.Context) ([]string, error) {
	if a, ok := ns.adapter.(interface {
		AllRooms(context.Context) ([]adapter.Room, error)
	}); ok {
		return a.AllRooms(ctx)
	}
	return ns.adapter.Rooms(), nil
}
