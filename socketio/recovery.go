package socketio

import (
	"context"
	"encoding/json"
	"time"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/internal/sid"
	"github.com/duplexio/duplex/parser"
)

// RecoveryOptions configure connection state recovery (Node's
// connectionStateRecovery). While it is on, the CONNECT answer carries a
// private session id (pid), and every event sent without ack id and not
// volatile, broadcast or to one socket, gets an offset as its last
// argument. When a connection is lost (not on a deliberate disconnect),
// the adapter keeps the socket's id, rooms and data; a client that comes
// back in time with its pid and last offset gets them back, and the events
// it missed before the CONNECT answer.
//
// It needs an adapter that implements adapter.SessionStore: the default
// one does (adapter.NewSessionMemory); with one that does not, sessions
// are never recovered.
type RecoveryOptions struct {
	// MaxDisconnectionDuration is how long sessions and packets are kept
	// (default 2 minutes).
	MaxDisconnectionDuration time.Duration
	// SkipMiddlewares lets a recovered socket connect without running the
	// middleware again. Unlike Node (where it defaults to true), the zero
	// value runs the middleware: with a shared store (the Redis streams
	// adapter) the pid alone restores an identity on any node for the
	// whole window, and authenticating again costs one call. A middleware
	// that sets Data should leave a recovered socket's (Socket.Recovered).
	SkipMiddlewares bool
}

// recoverableReasons are the disconnect reasons after which Node keeps the
// session: a lost connection, not a deliberate disconnect.
var recoverableReasons = map[string]bool{
	"transport error":    true,
	"transport close":    true,
	"forced close":       true,
	"ping timeout":       true,
	ReasonServerShutdown: true,
	ReasonForcedClose:    true,
}

// recovery is a socket's connection state recovery: set up by resume
// before the socket is shared, then read-only except missed.
type recovery struct {
	pid       string           // private session id; empty when off
	recovered bool             // the session was restored
	restored  []string         // its rooms, joined on connect
	missed    []*parser.Packet // replayed before the CONNECT answer
	catch     *catchUp         // nil unless the store needs one; see recovery_catchup.go
}

// resume restores the session named in the CONNECT auth payload, if
// recovery is on and the adapter still has it, or starts a new one. It
// runs before the socket is shared.
func (s *Socket) resume(auth json.RawMessage) {
	opts := s.ns.server.opts.ConnectionStateRecovery
	if opts == nil {
		return
	}
	if session, missed, offset := s.ns.restoreSession(auth); session != nil {
		s.id, s.pid, s.data = session.SID, session.PID, session.Data
		s.recovered, s.restored, s.missed = true, session.Rooms, missed
		s.catch = newCatchUp(s.ns.store, session, missed, offset)
		return
	}
	s.pid = sid.New()
}

// restoreSession asks the adapter for the session whose pid and offset
// the client sent in auth (the official client merges them into it), and
// returns it with the packets it missed and that offset.
func (ns *Namespace) restoreSession(auth json.RawMessage) (*adapter.Session, []*parser.Packet, string) {
	if ns.store == nil {
		return nil, nil, ""
	}
	var fields struct {
		PID    *string `json:"pid"`
		Offset *string `json:"offset"`
	}
	if json.Unmarshal(auth, &fields) != nil || fields.PID == nil || fields.Offset == nil {
		return nil, nil, ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), ns.server.opts.ConnectTimeout)
	defer cancel()
	session, missed, err := ns.store.RestoreSession(ctx, *fields.PID, *fields.Offset)
	if o := ns.server.opts.Observer; o != nil {
		o.Recovery(ns.observedName(), err == nil && session != nil)
	}
	if err != nil {
		ns.server.opts.Logger.Debug("socketio: restoring session", "nsp", ns.name, "err", err)
		return nil, nil, ""
	}
	return session, missed, *fields.Offset
}

func (s *Socket) skipsMiddlewares() bool {
	return s.recovered && s.ns.server.opts.ConnectionStateRecovery.SkipMiddlewares
}

// initialRooms are the rooms a socket joins on connect: its own, and
// those of a recovered session.
func (s *Socket) initialRooms() []string {
	return append([]string{s.id}, s.restored...)
}

// replayMissed writes the events a recovered socket missed. As in Node
// they precede the CONNECT answer; clients hold them until it comes.
func (s *Socket) replayMissed() {
	for _, p := range s.missed {
		_ = s.conn.writePacket(p)
	}
	s.missed = nil
}

// connectData is the CONNECT answer: the socket id and, with recovery,
// the private session id.
func (s *Socket) connectData() json.RawMessage {
	body := map[string]string{"sid": s.id}
	if s.pid != "" {
		body["pid"] = s.pid
	}
	data, _ := json.Marshal(body)
	return data
}

// session returns the socket's session as the store keeps it.
func (s *Socket) session() *adapter.Session {
	return &adapter.Session{SID: s.id, PID: s.pid, Rooms: s.Rooms(), Data: s.Data()}
}

// connectedSessions lists the sessions of the connected sockets, for an
// adapter.SessionKeeper.
func (ns *Namespace) connectedSessions() []*adapter.Session {
	ns.mu.RLock()
	sockets := make([]*Socket, 0, len(ns.sockets))
	for _, s := range ns.sockets {
		sockets = append(sockets, s)
	}
	ns.mu.RUnlock()
	out := make([]*adapter.Session, 0, len(sockets))
	for _, s := range sockets {
		if s.pid != "" && s.Connected() {
			out = append(out, s.session())
		}
	}
	return out
}

// keepSession hands a socket that just connected to the keeper, so that
// its session survives this process from the start.
func (s *Socket) keepSession() {
	if s.ns.keeper != nil && s.pid != "" {
		s.ns.store.PersistSession(s.session())
	}
}

// discardSession drops the kept session of a socket that left on
// purpose: it must not be recoverable.
func (s *Socket) discardSession() {
	if s.ns.keeper != nil && s.pid != "" {
		s.ns.keeper.DiscardSession(s.pid)
	}
}

// sessionToPersist returns the session to keep for a socket that is
// leaving for reason, or nil. It runs before the socket leaves its rooms.
func (s *Socket) sessionToPersist(reason string) *adapter.Session {
	s.mu.Lock()
	connected := s.connected
	s.mu.Unlock()
	if s.ns.store == nil || s.pid == "" || !connected || !recoverableReasons[reason] {
		return nil
	}
	return s.session()
}

// emitStored sends p to this socket through the adapter, which stores it
// with an offset (Node routes socket.emit so with recovery on). It reports
// false when p is not for the store: recovery off, ack id or volatile.
func (s *Socket) emitStored(p *parser.Packet, volatile, compress bool) bool {
	if s.ns.store == nil || p.HasID || volatile {
		return false
	}
	s.ns.adapter.Broadcast(p, &adapter.BroadcastOptions{
		Rooms: []string{s.id},
		Flags: adapter.BroadcastFlags{Compress: compress},
	})
	return true
}
