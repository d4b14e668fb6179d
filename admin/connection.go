package admin

import (
	"context"
	"slices"
	"time"

	"github.com/duplexio/duplex/socketio"
)

// fetchTimeout bounds the fetch of every node's sockets for a new UI.
const fetchTimeout = 5 * time.Second

// onConnection greets a UI: its session id if it just logged in, the
// config, and in development mode every socket of the cluster; then it
// handles the UI's operations unless read-only.
func (a *Admin) onConnection(s *socketio.Socket) {
	if ns, ok := s.Data().(*newSession); ok {
		s.SetData(nil)
		_ = s.Emit("session", ns.id)
	}
	if !a.opts.ReadOnly {
		a.handleOperations(s)
	}
	_ = s.Emit("config", map[string]any{"supportedFeatures": a.features()})
	if a.opts.Production {
		return
	}
	ctx, cancel := context.WithTimeout(s.Context(), fetchTimeout)
	defer cancel()
	_ = s.Emit("all_sockets", a.fetchAllSockets(ctx))
}

// fetchAllSockets describes the sockets of every namespace of this node,
// on every node, as Node's fetchAllSockets. A node that does not answer in
// time is left out.
func (a *Admin) fetchAllSockets(ctx context.Context) []socketRecord {
	io := a.io.Load()
	names := io.Namespaces()
	slices.Sort(names)
	out := []socketRecord{}
	for _, name := range names {
		ns := io.Lookup(name)
		if ns == nil {
			continue
		}
		remote, _ := ns.FetchSockets(ctx)
		for _, r := range remote {
			if s := ns.Socket(r.ID); s != nil {
				out = append(out, localRecord(s))
			} else {
				out = append(out, remoteRecord(r, name))
			}
		}
	}
	return out
}

// handleOperations registers the UI's operations, each acting on every
// node through the namespace's cluster-wide operations; filter, when
// given, is the room (or socket id) the operation is limited to.
func (a *Admin) handleOperations(s *socketio.Socket) {
	io := a.io.Load()
	target := func(nsp string, filter *string) *socketio.BroadcastOperator {
		ns := io.Of(nsp)
		if filter != nil && *filter != "" {
			return ns.In(*filter)
		}
		return ns.Except()
	}
	s.On("emit", func(nsp string, filter *string, event string, args socketio.Args) {
		vals, err := args.Forward()
		if err == nil {
			_ = target(nsp, filter).Emit(event, vals...)
		}
	})
	s.On("join", func(nsp, room string, filter *string) { target(nsp, filter).SocketsJoin(room) })
	s.On("leave", func(nsp, room string, filter *string) { target(nsp, filter).SocketsLeave(room) })
	s.On("_disconnect", func(nsp string, close bool, filter *string) {
		target(nsp, filter).DisconnectSockets(close)
	})
}
