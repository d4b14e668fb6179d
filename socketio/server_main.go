package socketio

import (
	"context"
	"encoding/json"
	"time"
)

// The methods below act on the main namespace "/", as io.emit and friends
// do in Node.

// Sockets returns the main namespace "/".
func (s *Server) Sockets() *Namespace { return s.main }

// OnConnection registers a connection handler on "/".
func (s *Server) OnConnection(fn func(*Socket)) { s.main.OnConnection(fn) }

// Use adds a middleware to "/".
func (s *Server) Use(fn func(*Socket) error) { s.main.Use(fn) }

// Emit sends an event to every socket of "/".
func (s *Server) Emit(event string, args ...any) error { return s.main.Emit(event, args...) }

// To targets rooms of "/".
func (s *Server) To(rooms ...string) *BroadcastOperator { return s.main.To(rooms...) }

// In is To.
func (s *Server) In(rooms ...string) *BroadcastOperator { return s.main.To(rooms...) }

// Except excludes rooms of "/".
func (s *Server) Except(rooms ...string) *BroadcastOperator { return s.main.Except(rooms...) }

// Volatile marks a broadcast on "/" as volatile.
func (s *Server) Volatile() *BroadcastOperator { return s.main.Volatile() }

// Local keeps a broadcast on "/" on this node.
func (s *Server) Local() *BroadcastOperator { return s.main.Local() }

// Timeout sets the acknowledgement timeout of a broadcast on "/".
func (s *Server) Timeout(d time.Duration) *BroadcastOperator { return s.main.Timeout(d) }

// FetchSockets returns the sockets of "/".
func (s *Server) FetchSockets(ctx context.Context) ([]*RemoteSocket, error) {
	return s.main.FetchSockets(ctx)
}

// SocketsJoin makes every socket of "/" join rooms.
func (s *Server) SocketsJoin(rooms ...string) { s.main.SocketsJoin(rooms...) }

// SocketsLeave makes every socket of "/" leave rooms.
func (s *Server) SocketsLeave(rooms ...string) { s.main.SocketsLeave(rooms...) }

// DisconnectSockets disconnects every socket of "/".
func (s *Server) DisconnectSockets(close bool) { s.main.DisconnectSockets(close) }

// ServerSideEmit sends an event to the other nodes of a cluster.
func (s *Server) ServerSideEmit(ctx context.Context, event string, args ...any) error {
	return s.main.ServerSideEmit(ctx, event, args...)
}

// ServerSideEmitWithAck sends an event to the other nodes and collects
// their answers.
func (s *Server) ServerSideEmitWithAck(ctx context.Context, event string, args ...any) ([]json.RawMessage, error) {
	return s.main.ServerSideEmitWithAck(ctx, event, args...)
}
