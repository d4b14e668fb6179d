// Package adapter keeps the rooms of a namespace and routes packets to the
// sockets in them. The in-memory Adapter serves one node; a cluster adapter
// implements the same interface over a message broker.
//
// An adapter knows nothing of transports: it computes which sockets a
// broadcast reaches and hands the packet to the Namespace, which encodes it
// once for all of them.
package adapter

import (
	"context"
	"encoding/json"
	"time"

	"github.com/duplexio/duplex/parser"
)

// SocketID and Room name the members of rooms. Every socket is also in the
// room named by its own id.
type (
	SocketID = string
	Room     = string
)

// BroadcastFlags modify how a broadcast is delivered.
type BroadcastFlags struct {
	// Volatile packets are dropped for clients not ready to receive them.
	Volatile bool `json:"volatile,omitempty"`
	// Compress asks for compression where the transport supports it.
	Compress bool `json:"compress,omitempty"`
	// Local keeps the broadcast on this node in a cluster.
	Local bool `json:"-"`
	// Timeout bounds the wait for acknowledgements.
	Timeout time.Duration `json:"-"`
}

// BroadcastOptions choose the recipients of a broadcast: the sockets in any
// of Rooms (all sockets when empty) and in none of Except.
type BroadcastOptions struct {
	Rooms  []Room
	Except []Room
	Flags  BroadcastFlags
}

// SocketInfo is a socket as FetchSockets returns it, local or remote.
type SocketInfo struct {
	ID        SocketID   `json:"id"`
	Handshake *Handshake `json:"handshake"`
	Rooms     []Room     `json:"rooms"`
	Data      any        `json:"data"`
}

// Namespace is what an adapter needs from the namespace it serves on this
// node. socketio passes it to the Factory: a handle of its own, not the
// *socketio.Namespace users hold, so that these methods, meant for the
// adapter only, stay out of the user's API. Its methods must not call back
// into the adapter while it holds a lock: the in-memory adapter calls them
// with no lock held.
type Namespace interface {
	Name() string
	// Deliver encodes p once and writes it to the listed local sockets. ids
	// is only valid during the call (the adapter reuses it).
	Deliver(p *parser.Packet, flags BroadcastFlags, ids []SocketID)
	// DeliverWithAck is Deliver for a packet whose ack id p.ID is set: each
	// recipient's acknowledgement (an ACK packet) is passed to onAck, or nil
	// when a recipient disconnects without answering.
	DeliverWithAck(p *parser.Packet, flags BroadcastFlags, ids []SocketID, onAck func(*parser.Packet))
	// Disconnect disconnects the listed local sockets; close also closes
	// their underlying connections.
	Disconnect(ids []SocketID, close bool)
	// Info describes a local socket.
	Info(id SocketID) (SocketInfo, bool)
}

// RoomObserver is implemented by a Namespace that wants to hear of every
// socket joining or leaving a room on this node, as Node's adapter emits
// "join-room" and "leave-room" (the admin UI shows them). Memory, and the
// adapters built on it, look for it once, in NewMemory, so that a namespace
// that does not implement it costs nothing per membership. The calls come
// with no lock of the adapter held, once per change: joining a room the
// socket is in, or leaving one it is not in, calls nothing.
type RoomObserver interface {
	Joined(room Room, id SocketID)
	Left(room Room, id SocketID)
}

// DataExporter is implemented by a Namespace whose sockets' data, as other
// nodes fetch it (FetchSockets), differs from what local callers get: the
// admin UI adds to it what it shows of each socket, as Node's instrument()
// keeps in socket.data._admin. The Cluster calls it for each socket of its
// answer to another node's fetch.
type DataExporter interface {
	ExportData(id SocketID, data any) any
}

// Adapter keeps room membership and routes broadcasts. Implementations are
// safe for concurrent use.
type Adapter interface {
	// AddAll adds socket id to rooms.
	AddAll(id SocketID, rooms []Room)
	// Del removes socket id from room.
	Del(id SocketID, room Room)
	// DelAll removes socket id from every room.
	DelAll(id SocketID)
	// SocketRooms returns the rooms of a local socket, nil if unknown.
	SocketRooms(id SocketID) []Room
	// Rooms returns the rooms that have local members.
	Rooms() []Room

	// Broadcast sends p to the sockets chosen by opts.
	Broadcast(p *parser.Packet, opts *BroadcastOptions)
	// BroadcastWithAck sends p (its ID set) to the sockets chosen by opts.
	// onClientCount is called once per node with the number of sockets it
	// reached; onAck once per acknowledgement (nil for a recipient that
	// disconnected without answering).
	BroadcastWithAck(p *parser.Packet, opts *BroadcastOptions, onClientCount func(int), onAck func(*parser.Packet))
	// ServerCount returns the number of nodes, this one included.
	ServerCount(ctx context.Context) (int, error)

	// FetchSockets describes the sockets chosen by opts.
	FetchSockets(ctx context.Context, opts *BroadcastOptions) ([]SocketInfo, error)
	// AddSockets makes the sockets chosen by opts join rooms.
	AddSockets(opts *BroadcastOptions, rooms []Room)
	// DelSockets makes the sockets chosen by opts leave rooms.
	DelSockets(opts *BroadcastOptions, rooms []Room)
	// DisconnectSockets disconnects the sockets chosen by opts.
	DisconnectSockets(opts *BroadcastOptions, close bool)
	// ServerSideEmit sends an event (p.Data is ["event", ...args]) to the
	// other nodes; with ack it waits for their answers.
	ServerSideEmit(ctx context.Context, p *parser.Packet, ack bool) ([]json.RawMessage, error)

	// Close releases the adapter's resources.
	Close() error
}

// RoomChecker is implemented by adapters that tell whether a local socket
// is in a room without listing its rooms: Memory, and the adapters built
// on it (Cluster, SessionMemory). It is apart from Adapter so that other
// adapters keep compiling; socketio falls back to SocketRooms for them.
type RoomChecker interface {
	// InRoom reports whether the local socket id is in room.
	InRoom(id SocketID, room Room) bool
}

// Factory creates the adapter of a namespace.
type Factory func(ns Namespace) Adapter
