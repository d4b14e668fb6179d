package socketio

import (
	"encoding/json"
	"slices"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/parser"
)

// adapterHandle is the namespace as its adapter sees it: the
// adapter.ClusterNamespace a Factory receives. Its methods (deliver a packet
// the adapter routed, disconnect sockets by id, describe a socket, take an
// event from another node) are plumbing between the two layers, so they sit
// on this unexported type rather than on *Namespace, where they would stand in
// go doc beside the user's API (Namespace.DisconnectSockets next to a
// Disconnect(ids, close) meant only for the adapter). Only the adapter, which
// gets the handle at construction, can call them, as socketioxide keeps its
// adapter-facing emitter private.
type adapterHandle struct{ ns *Namespace }

var _ adapter.ClusterNamespace = adapterHandle{}

// Name implements adapter.Namespace.
func (h adapterHandle) Name() string { return h.ns.name }

// Deliver implements adapter.Namespace: the packet is encoded once and the
// same bytes are queued for every recipient.
func (h adapterHandle) Deliver(p *parser.Packet, flags adapter.BroadcastFlags, ids []adapter.SocketID) {
	msgs := h.ns.server.encode(p)
	n := 0
	h.ns.each(ids, func(s *Socket) {
		s.deliver(p, msgs, flags.Volatile)
		n++
	})
	h.ns.eventsSent(p, n)
}

// DeliverWithAck implements adapter.Namespace.
func (h adapterHandle) DeliverWithAck(p *parser.Packet, flags adapter.BroadcastFlags, ids []adapter.SocketID, onAck func(*parser.Packet)) {
	msgs := h.ns.server.encode(p)
	n := 0
	h.ns.each(ids, func(s *Socket) {
		s.acks.add(p.ID, &ackWaiter{packet: onAck})
		_ = s.writeEncoded(p, msgs, flags.Volatile, false)
		n++
	})
	h.ns.eventsSent(p, n)
}

// Disconnect implements adapter.Namespace.
func (h adapterHandle) Disconnect(ids []adapter.SocketID, close bool) {
	for _, id := range ids {
		if s := h.ns.Socket(id); s != nil {
			s.Disconnect(close)
		}
	}
}

// Info implements adapter.Namespace.
func (h adapterHandle) Info(id adapter.SocketID) (adapter.SocketInfo, bool) {
	s := h.ns.Socket(id)
	if s == nil {
		return adapter.SocketInfo{}, false
	}
	return adapter.SocketInfo{ID: s.id, Handshake: s.Handshake().wire(), Rooms: slices.Clone(s.Rooms()), Data: s.Data()}, true
}

// NextAckID implements adapter.ClusterNamespace.
func (h adapterHandle) NextAckID() uint64 { return h.ns.nextAckID() }

// ForgetAck implements adapter.ClusterNamespace.
func (h adapterHandle) ForgetAck(id uint64) { h.ns.forgetAck(id) }

// ServerSideEmitReceived implements adapter.ClusterNamespace; see
// Namespace.serverSideEmitReceived.
func (h adapterHandle) ServerSideEmitReceived(p *parser.Packet, ack func(json.RawMessage)) {
	h.ns.serverSideEmitReceived(p, ack)
}
