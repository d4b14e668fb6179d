package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/socketio"
)

// conformance builds the fixture the official test suites expect: a raw
// Engine.IO echo server on /engine.io/ and Socket.IO on /socket.io/. With
// extra, it adds what the interop tests drive (rooms, broadcasts, acks
// from the server, disconnects, dynamic namespaces, middleware).
func conformance(logger *slog.Logger, extra bool) (http.Handler, func(context.Context), error) {
	cors := &engineio.CORS{Origins: []string{"*"}}
	eio := engineio.NewServer(&engineio.Options{
		PingInterval: 300 * time.Millisecond, PingTimeout: 200 * time.Millisecond,
		MaxHTTPBufferSize: 1e6, CORS: cors, Logger: logger,
	}, func(s *engineio.Session) engineio.Receiver { return echo{s} })
	// The interop tests check the connect timeout; the official suite runs
	// heartbeats for about a second before any CONNECT, so it gets Node's
	// default (45 s), as its fixture does.
	var connectTimeout time.Duration
	if extra {
		connectTimeout = time.Second
	}
	io := socketio.NewServer(&socketio.Options{
		PingInterval: 300 * time.Millisecond, PingTimeout: 200 * time.Millisecond,
		MaxHTTPBufferSize: 1e6, ConnectTimeout: connectTimeout, CORS: cors, Logger: logger,
	})
	f := &fixture{io: io, reasons: map[string]string{}}
	for _, name := range []string{"/", "/custom"} {
		ns := io.Of(name)
		ns.OnConnection(f.onConnection(extra))
	}
	if extra {
		dyn := regexp.MustCompile(`^/dyn-[a-z0-9]+$`)
		parent := io.OfFunc(func(name string, _ json.RawMessage) bool { return dyn.MatchString(name) })
		parent.OnConnection(func(s *socketio.Socket) {
			_ = s.Emit("auth", s.Handshake().Auth)
			_ = s.Emit("dyn", s.Namespace().Name())
		})
		restricted := io.Of("/restricted")
		restricted.Use(func(s *socketio.Socket) error {
			var auth struct{ Token string }
			_ = json.Unmarshal(s.Handshake().Auth, &auth)
			if auth.Token != "secret" {
				return &socketio.ConnectError{Message: "not authorized", Data: map[string]int{"code": 42}}
			}
			return nil
		})
		restricted.OnConnection(func(s *socketio.Socket) { _ = s.Emit("auth", s.Handshake().Auth) })
	}
	mux := http.NewServeMux()
	mux.Handle("/engine.io/", eio)
	mux.Handle("/socket.io/", io)
	var rio *socketio.Server
	if extra {
		rio = recoveryServer(logger, cors)
		mux.Handle(rio.Path(), rio)
	}
	return mux, func(ctx context.Context) {
		_ = io.Shutdown(ctx)
		if rio != nil {
			_ = rio.Shutdown(ctx)
		}
		_ = eio.Shutdown(ctx)
	}, nil
}

// recoveryServer is a second Socket.IO server, on /recovery/, with
// connection state recovery (which changes what every client sees:
// offsets end the events).
func recoveryServer(logger *slog.Logger, cors *engineio.CORS) *socketio.Server {
	io := socketio.NewServer(&socketio.Options{
		Path:         "/recovery/",
		PingInterval: 300 * time.Millisecond, PingTimeout: 200 * time.Millisecond,
		ConnectTimeout: time.Second, CORS: cors, Logger: logger,
		ConnectionStateRecovery: &socketio.RecoveryOptions{SkipMiddlewares: true},
	})
	io.OnConnection(func(s *socketio.Socket) {
		s.On("join", func(room string, ack socketio.AckFunc) { s.Join(room); ack() })
		s.On("set-data", func(v any, ack socketio.AckFunc) { s.SetData(v); ack() })
		s.On("state", func(ack socketio.AckFunc) {
			rooms := s.Rooms()
			slices.Sort(rooms)
			ack(map[string]any{"recovered": s.Recovered(), "rooms": rooms, "data": s.Data()})
		})
		s.On("drop-transport", func() { s.Conn().Close() })
		s.On("to-room", func(room string, rest socketio.Args) {
			values, _ := rest.Forward()
			_ = io.To(room).Emit("room-message", values...)
		})
		s.On("message-with-ack", func(args socketio.Args, ack socketio.AckFunc) {
			values, _ := args.Forward()
			ack(values...)
		})
	})
	return io
}

// echo sends every Engine.IO message back unchanged.
type echo struct{ s *engineio.Session }

func (e echo) OnMessage(data []byte, binary bool) {
	_ = e.s.Write(engineio.Message{Data: append([]byte(nil), data...), Binary: binary})
}

func (echo) OnClose(string, error) {}

type fixture struct {
	io      *socketio.Server
	mu      sync.Mutex
	reasons map[string]string // disconnect reason by socket id
}

func (f *fixture) onConnection(extra bool) func(*socketio.Socket) {
	return func(s *socketio.Socket) {
		_ = s.Emit("auth", s.Handshake().Auth)
		// Forward, not Values: an echo keeps the client's key order, as
		// Node's does.
		s.On("message", func(args socketio.Args) {
			values, _ := args.Forward()
			_ = s.Emit("message-back", values...)
		})
		s.On("message-with-ack", func(args socketio.Args, ack socketio.AckFunc) {
			values, _ := args.Forward()
			ack(values...)
		})
		if extra {
			f.interop(s)
		}
	}
}

// interop registers the events the interop tests use.
func (f *fixture) interop(s *socketio.Socket) {
	ns := s.Namespace()
	s.OnDisconnect(func(reason string) {
		f.mu.Lock()
		f.reasons[s.ID()] = reason
		f.mu.Unlock()
	})
	s.On("join", func(room string, ack socketio.AckFunc) { s.Join(room); ack() })
	s.On("leave", func(room string, ack socketio.AckFunc) { s.Leave(room); ack() })
	s.On("to-room", func(room string, rest socketio.Args) {
		values, _ := rest.Forward()
		_ = ns.To(room).Emit("room-message", values...)
	})
	s.On("broadcast", func(args socketio.Args) {
		values, _ := args.Forward()
		_ = s.Broadcast().Emit("broadcast", values...)
	})
	s.On("broadcast-except", func(room string, rest socketio.Args) {
		values, _ := rest.Forward()
		_ = ns.Except(room).Emit("broadcast", values...)
	})
	s.On("request-ack", func(ms int, rest socketio.Args, ack socketio.AckFunc) {
		values, _ := rest.Forward()
		resp, err := s.Timeout(time.Duration(ms)*time.Millisecond).EmitWithAck(context.Background(), "server-request", values...)
		if err != nil {
			ack(map[string]any{"error": "timeout"})
			return
		}
		got, _ := resp.Forward()
		ack(map[string]any{"ok": true, "args": got})
	})
	s.On("broadcast-ack", func(ms int, ack socketio.AckFunc) {
		resp, err := ns.Timeout(time.Duration(ms)*time.Millisecond).EmitWithAck(context.Background(), "ping-all")
		if err != nil {
			ack(map[string]any{"error": "timeout", "count": len(resp)})
			return
		}
		all := make([]any, 0, len(resp))
		for _, r := range resp {
			v, _ := r.Forward()
			if len(v) > 0 {
				all = append(all, v[0])
			} else {
				all = append(all, nil)
			}
		}
		ack(map[string]any{"count": len(resp), "responses": all})
	})
	// The README's handler: arguments that do not fit answer the ack with
	// {"error": ...}.
	s.On("typed-chat", func(room, text string, ack socketio.AckFunc) { ack("delivered to " + room) })
	s.On("disconnect-me", func(close bool) { s.Disconnect(close) })
	s.On("drop-transport", func() { s.Conn().Close() })
	s.On("last-disconnect", func(id string, ack socketio.AckFunc) {
		f.mu.Lock()
		reason, ok := f.reasons[id]
		f.mu.Unlock()
		if !ok {
			ack(nil)
			return
		}
		ack(reason)
	})
	s.On("rooms", func(ack socketio.AckFunc) {
		rooms := s.Rooms()
		slices.Sort(rooms)
		ack(rooms)
	})
	s.On("types", func(args socketio.Args, ack socketio.AckFunc) {
		values, _ := args.Values()
		names := make([]string, len(values))
		for i, v := range values {
			names[i] = typeName(v)
		}
		ack(names)
	})
}

func typeName(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64, json.Number:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	case []byte:
		return "binary"
	case []any:
		return "array"
	}
	return "object"
}
