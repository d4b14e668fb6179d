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
	"github.com/duplexio/duplex/test/fixture"
)

// conformance builds the fixture the official test suites expect: a raw
// Engine.IO echo server on /engine.io/ and Socket.IO on /socket.io/. With
// extra, it adds what the interop tests drive (rooms, broadcasts, acks
// from the server, disconnects, dynamic namespaces, middleware).
func conformance(logger *slog.Logger, extra bool, p socketio.Parser) (http.Handler, func(context.Context), error) {
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
		Engine: engineio.Options{
			PingInterval: 300 * time.Millisecond, PingTimeout: 200 * time.Millisecond,
			MaxHTTPBufferSize: 1e6, CORS: cors,
		},
		ConnectTimeout: connectTimeout, Logger: logger, Parser: p,
	})
	f := &interopFixture{io: io, reasons: map[string]string{}}
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
		fixture.Restrict(io.Of("/restricted"))
	}
	mux := http.NewServeMux()
	mux.Handle("/engine.io/", eio)
	mux.Handle("/socket.io/", io)
	var rio *socketio.Server
	if extra {
		rio = recoveryServer(logger, cors, p)
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
func recoveryServer(logger *slog.Logger, cors *engineio.CORS, p socketio.Parser) *socketio.Server {
	io := socketio.NewServer(&socketio.Options{
		Path: "/recovery/",
		Engine: engineio.Options{
			PingInterval: 300 * time.Millisecond, PingTimeout: 200 * time.Millisecond, CORS: cors,
		},
		ConnectTimeout: time.Second, Logger: logger, Parser: p,
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

// interopFixture is the state of the interop fixture: the reason each
// socket disconnected, for "last-disconnect".
type interopFixture struct {
	io      *socketio.Server
	mu      sync.Mutex
	reasons map[string]string // disconnect reason by socket id
}

func (f *interopFixture) onConnection(extra bool) func(*socketio.Socket) {
	return func(s *socketio.Socket) {
		fixture.Echo(s)
		if extra {
			fixture.Control(f.io, s)
			f.interop(s)
		}
	}
}

// interop registers the events the interop tests use.
func (f *interopFixture) interop(s *socketio.Socket) {
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
}
