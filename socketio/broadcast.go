package socketio

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/parser"
)

// BroadcastOperator targets a set of sockets: the rooms to reach, the rooms
// to skip and the delivery flags. It is immutable: each method returns a
// new operator, so one can be kept and reused.
type BroadcastOperator struct {
	ns     *Namespace
	rooms  []string
	except []string
	flags  adapter.BroadcastFlags
}

func (b *BroadcastOperator) clone() *BroadcastOperator {
	c := *b
	return &c
}

// To adds rooms to reach.
func (b *BroadcastOperator) To(rooms ...string) *BroadcastOperator {
	c := b.clone()
	c.rooms = slices.Concat(b.rooms, rooms)
	return c
}

// In is To.
func (b *BroadcastOperator) In(rooms ...string) *BroadcastOperator { return b.To(rooms...) }

// Except adds rooms whose sockets are skipped.
func (b *BroadcastOperator) Except(rooms ...string) *BroadcastOperator {
	c := b.clone()
	c.except = slices.Concat(b.except, rooms)
	return c
}

// Volatile drops the event for clients not ready to receive it.
func (b *BroadcastOperator) Volatile() *BroadcastOperator {
	c := b.clone()
	c.flags.Volatile = true
	return c
}

// Local keeps the broadcast on this node.
func (b *BroadcastOperator) Local() *BroadcastOperator {
	c := b.clone()
	c.flags.Local = true
	return c
}

// Compress sets the compress flag.
func (b *BroadcastOperator) Compress(comp bool) *BroadcastOperator {
	c := b.clone()
	c.flags.Compress = comp
	return c
}

// Timeout sets how long EmitWithAck waits for acknowledgements.
func (b *BroadcastOperator) Timeout(d time.Duration) *BroadcastOperator {
	c := b.clone()
	c.flags.Timeout = d
	return c
}

func (b *BroadcastOperator) options() *adapter.BroadcastOptions {
	return &adapter.BroadcastOptions{Rooms: b.rooms, Except: b.except, Flags: b.flags}
}

// Emit sends an event to every targeted socket; the packet is encoded once.
// A trailing function argument is an acknowledgement callback, which for
// a broadcast must be func(err error, responses []Args) (any other
// function fails the call with ErrAckCallback): Emit then returns at once
// and the callback gets what EmitWithAck would return, from a goroutine
// that Server.Shutdown ends (err then wraps ErrAckTimeout) and waits for.
func (b *BroadcastOperator) Emit(event string, args ...any) error {
	fn, args := ackCallback(args)
	if fn != nil {
		cb, ok := fn.(func(error, []Args))
		if !ok {
			return fmt.Errorf("%w: a broadcast's is func(error, []socketio.Args), not %T", ErrAckCallback, fn)
		}
		return b.emitWithCallback(event, args, cb)
	}
	p, err := b.ns.eventPacket(event, args)
	if err != nil {
		return err
	}
	b.ns.adapter.Broadcast(p, b.options())
	b.ns.broadcasted()
	return nil
}

// emitWithCallback is EmitWithAck on a background goroutine of the server.
// The packet is encoded here so that an argument that cannot be encoded
// fails the call, as it does without a callback.
func (b *BroadcastOperator) emitWithCallback(event string, args []any, cb func(error, []Args)) error {
	p, err := b.ns.eventPacket(event, args)
	if err != nil {
		return err
	}
	srv := b.ns.server
	started := srv.bg.start(func(ctx context.Context) {
		responses, err := b.waitAcks(ctx, p)
		defer func() {
			if r := recover(); r != nil {
				b.ns.panicked(PanicBroadcastAck)
				srv.opts.Logger.Error("socketio: panic in handler", "event", event+" (broadcast ack)", "nsp", b.ns.name, "panic", r, "stack", string(debug.Stack()))
			}
		}()
		cb(err, responses)
	})
	if !started {
		return ErrServerClosed
	}
	return nil
}

// EmitWithAck sends an event to every targeted socket and waits for all
// their acknowledgements (each one's arguments), until ctx ends or the
// operator's timeout passes; then it returns the answers received so far
// with an error wrapping ErrAckTimeout.
func (b *BroadcastOperator) EmitWithAck(ctx context.Context, event string, args ...any) ([]Args, error) {
	if err := noAckCallback("EmitWithAck", event, args); err != nil {
		return nil, err
	}
	p, err := b.ns.eventPacket(event, args)
	if err != nil {
		return nil, err
	}
	return b.waitAcks(ctx, p)
}

// waitAcks broadcasts p with an ack id and collects the answers.
func (b *BroadcastOperator) waitAcks(ctx context.Context, p *parser.Packet) ([]Args, error) {
	if b.flags.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, b.flags.Timeout)
		defer cancel()
	}
	p.ID, p.HasID = b.ns.nextAckID(), true
	c := newAckCollector(b.ns.server)
	b.ns.adapter.BroadcastWithAck(p, b.options(), c.onClientCount, c.onAck)
	b.ns.broadcasted()
	servers, err := b.ns.adapter.ServerCount(ctx)
	if err != nil {
		b.ns.forgetAck(p.ID)
		return c.snapshot(), err
	}
	c.setServers(servers)
	select {
	case <-c.done:
		return c.snapshot(), nil
	case <-ctx.Done():
		b.ns.forgetAck(p.ID)
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			b.ns.ackTimedOut()
		}
		return c.snapshot(), fmt.Errorf("%w: %w", ErrAckTimeout, context.Cause(ctx))
	}
}

// ackCollector counts the acknowledgements of a broadcast: it is complete
// when every node reported its client count and that many answers came.
type ackCollector struct {
	srv       *Server
	mu        sync.Mutex
	responses []Args
	clients   int
	servers   int
	expected  int // servers expected; -1 until known
	done      chan struct{}
	finished  bool
}

func newAckCollector(srv *Server) *ackCollector {
	return &ackCollector{srv: srv, expected: -1, done: make(chan struct{})}
}

func (c *ackCollector) onClientCount(n int) {
	c.mu.Lock()
	c.clients += n
	c.servers++
	c.check()
	c.mu.Unlock()
}

// onAck records one acknowledgement; nil means a recipient disconnected
// without answering, so one answer fewer is expected.
func (c *ackCollector) onAck(p *parser.Packet) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p == nil {
		c.clients--
		c.check()
		return
	}
	args, err := c.srv.ackArgs(p)
	if err != nil {
		c.clients--
	} else {
		c.responses = append(c.responses, args)
	}
	c.check()
}

func (c *ackCollector) setServers(n int) {
	c.mu.Lock()
	c.expected = n
	c.check()
	c.mu.Unlock()
}

// check closes done once complete; the caller holds c.mu.
func (c *ackCollector) check() {
	if !c.finished && c.expected == c.servers && len(c.responses) >= c.clients {
		c.finished = true
		close(c.done)
	}
}

func (c *ackCollector) snapshot() []Args {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.responses)
}

// FetchSockets returns the targeted sockets, across nodes.
func (b *BroadcastOperator) FetchSockets(ctx context.Context) ([]*RemoteSocket, error) {
	infos, err := b.ns.adapter.FetchSockets(ctx, b.options())
	out := make([]*RemoteSocket, 0, len(infos))
	for _, info := range infos {
		out = append(out, &RemoteSocket{ID: info.ID, Handshake: handshakeOf(info.Handshake), Rooms: info.Rooms, Data: info.Data, ns: b.ns})
	}
	return out, err
}

// SocketsJoin makes the targeted sockets join rooms.
func (b *BroadcastOperator) SocketsJoin(rooms ...string) { b.ns.adapter.AddSockets(b.options(), rooms) }

// SocketsLeave makes the targeted sockets leave rooms.
func (b *BroadcastOperator) SocketsLeave(rooms ...string) {
	b.ns.adapter.DelSockets(b.options(), rooms)
}

// DisconnectSockets disconnects the targeted sockets.
func (b *BroadcastOperator) DisconnectSockets(close bool) {
	b.ns.adapter.DisconnectSockets(b.options(), close)
}
