package socketio_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/socketio"
)

// A Server is an http.Handler: mount it on a mux next to the rest of the
// application.
func ExampleNewServer() {
	server := socketio.NewServer(&socketio.Options{
		Engine: engineio.Options{PingInterval: 25 * time.Second},
	})
	defer server.Close()
	server.OnConnection(func(s *socketio.Socket) {
		_ = s.Emit("welcome", s.ID())
	})

	mux := http.NewServeMux()
	mux.Handle("/socket.io/", server)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "home") })

	web := httptest.NewServer(mux) // in production: http.ListenAndServe(":8080", mux)
	defer web.Close()

	// A client starts with an Engine.IO handshake, answered with an OPEN
	// packet ("0" and the session's parameters).
	resp, err := web.Client().Get(web.URL + "/socket.io/?EIO=4&transport=polling")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode, strings.HasPrefix(string(body), `0{"sid":"`))
	// Output: 200 true
}

// Handlers are typed: the event's arguments are decoded into the
// parameters, and a last AckFunc answers the client's acknowledgement.
func ExampleSocket_On() {
	type Message struct {
		Room string `json:"room"`
		Text string `json:"text"`
	}
	server := socketio.NewServer(nil)
	server.OnConnection(func(s *socketio.Socket) {
		// socket.emit("message", {room: "go", text: "hi"}, (status) => ...)
		s.On("message", func(m Message, ack socketio.AckFunc) {
			_ = s.To(m.Room).Emit("message", s.ID(), m)
			ack("delivered")
		})
		// socket.emit("upload", "a.png", new Uint8Array(...))
		s.On("upload", func(name string, data []byte) error {
			if len(data) > 1<<20 {
				return fmt.Errorf("upload %s: too large", name)
			}
			return nil
		})
		// Arguments that do not fit a handler, and errors it returns.
		s.OnError(func(err error) {
			var ae *socketio.ArgError
			if errors.As(err, &ae) {
				log.Printf("client sent %s: %v", ae.Event, ae.Err)
			}
		})
	})
}

// EmitWithAck waits for the client's answer; the context bounds the wait.
func ExampleSocket_EmitWithAck() {
	server := socketio.NewServer(nil)
	server.OnConnection(func(s *socketio.Socket) {
		// The client answers with socket.on("question", (q, cb) => cb(42)).
		s.On("ready", func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			answer, err := s.EmitWithAck(ctx, "question", "the answer?")
			switch {
			case errors.Is(err, socketio.ErrAckTimeout):
				log.Print("no answer in time")
			case err != nil: // socketio.ErrDisconnected
				return
			}
			var n int
			if err := answer.Decode(0, &n); err == nil {
				log.Printf("the client says %d", n)
			}
		})
		// Or without blocking the handler: the callback gets the timeout.
		_ = s.Timeout(5*time.Second).Emit("question", "again?", func(err error, n int) {
			log.Print(n, err)
		})
	})
}

// A namespace middleware accepts or refuses each connection; a
// ConnectError reaches the client's connect_error listener with its data.
func ExampleNamespace_Use() {
	server := socketio.NewServer(nil)
	admin := server.Of("/admin")
	admin.Use(func(s *socketio.Socket) error {
		// io("/admin", {auth: {token: "..."}})
		var auth struct {
			Token string `json:"token"`
		}
		if err := json.Unmarshal(s.Handshake().Auth, &auth); err != nil || auth.Token != "secret" {
			return &socketio.ConnectError{Message: "not authorized", Data: map[string]string{"hint": "log in first"}}
		}
		s.SetData(auth.Token)
		return nil
	})
	admin.OnConnection(func(s *socketio.Socket) {
		log.Printf("admin %s connected", s.ID())
	})
}

// Rooms group sockets; broadcasts target rooms and exclude others.
func ExampleServer_To() {
	server := socketio.NewServer(nil)
	server.OnConnection(func(s *socketio.Socket) {
		s.On("join", func(room string) {
			s.Join(room)
			_ = s.To(room).Emit("joined", s.ID()) // the others in the room
		})
		s.OnDisconnecting(func(reason string) {
			for _, room := range s.Rooms() { // still in its rooms here
				_ = s.To(room).Emit("left", s.ID(), reason)
			}
		})
	})

	// From anywhere in the application: sockets in either room once each,
	// except those in "muted".
	_ = server.To("go", "rust").Except("muted").Emit("news", "release day")

	// Operators are immutable: keep one and derive others from it.
	lobby := server.To("lobby")
	_ = lobby.Emit("hello")
	_ = lobby.Volatile().Emit("tick", time.Now().Unix())

	// Every socket in the lobby answers, or the wait times out.
	replies, err := lobby.Timeout(time.Second).EmitWithAck(context.Background(), "vote")
	fmt.Println(len(replies), err)
	// Output: 0 <nil>
}

// Dynamic namespaces: OfFunc creates those its function accepts.
func ExampleServer_OfFunc() {
	server := socketio.NewServer(nil)
	workspaces := server.OfFunc(func(name string, auth json.RawMessage) bool {
		return strings.HasPrefix(name, "/workspace-")
	})
	workspaces.OnConnection(func(s *socketio.Socket) {
		_ = s.Broadcast().Emit("arrived", s.ID()) // within its own workspace
	})
}

// With CleanupEmptyChildNamespaces, a workspace namespace goes when its
// last socket leaves, and the next connection to it creates it again: the
// handlers belong on the parent, which lives as long as the server.
func ExampleOptions_cleanupEmptyChildNamespaces() {
	server := socketio.NewServer(&socketio.Options{CleanupEmptyChildNamespaces: true})
	workspaces := server.OfFunc(func(name string, auth json.RawMessage) bool {
		return strings.HasPrefix(name, "/workspace-")
	})
	workspaces.OnConnection(func(s *socketio.Socket) {
		s.On("title", func(title string) {
			_ = s.Broadcast().Emit("title", title)
		})
	})
	fmt.Println(server.Namespaces()) // only "/" until a client joins a workspace
	// Output: [/]
}

// An application whose events carry several large files raises the bytes
// a connection may hold while a binary event's attachments arrive (by
// default Engine.MaxHTTPBufferSize, what one message may hold).
func ExampleOptions_maxPendingAttachmentBytes() {
	server := socketio.NewServer(&socketio.Options{
		Engine:                    engineio.Options{MaxHTTPBufferSize: 8 << 20}, // one file of up to 8 MiB per message
		MaxPendingAttachmentBytes: 4 * 8 << 20,                                  // five such files per event: the last is not held
	})
	server.OnConnection(func(s *socketio.Socket) {
		s.On("upload", func(files socketio.Args, ack socketio.AckFunc) {
			ack(files.Len())
		})
	})
}

// InRoom answers in constant time, however many rooms the socket is in.
func ExampleSocket_InRoom() {
	server := socketio.NewServer(nil)
	server.OnConnection(func(s *socketio.Socket) {
		s.On("say", func(room, text string) {
			if !s.InRoom(room) {
				_ = s.Emit("error", "join "+room+" first")
				return
			}
			_ = s.To(room).Emit("said", text)
		})
	})
}

// The engine's options (transports, heartbeat, limits, CORS) nest as
// Engine, all of them as package engineio takes them.
func ExampleOptions_engine() {
	server := socketio.NewServer(&socketio.Options{
		ConnectTimeout: 10 * time.Second,
		Engine: engineio.Options{
			PingInterval: 10 * time.Second,
			WriteTimeout: 5 * time.Second,
			CORS:         &engineio.CORS{Origins: []string{"https://app.example"}},
		},
	})
	defer server.Close()
	fmt.Println(server.Engine().Options().WriteTimeout)
	// Output: 5s
}

// The handshake has Go types: the headers and the query as net/http gives
// them, the time as a time.Time.
func ExampleSocket_Handshake() {
	server := socketio.NewServer(nil)
	defer server.Close()
	server.Use(func(s *socketio.Socket) error {
		h := s.Handshake()
		if h.Query.Get("room") == "" {
			return errors.New("no room")
		}
		log.Printf("%s from %s (%s) at %s", s.ID(), h.Address, h.Header.Get("User-Agent"), h.Time.Format(time.RFC3339))
		return nil
	})
}

// Shutdown stops gracefully: the running handlers finish and what is
// queued for each client is sent. Close, like net/http's, stops at once.
func ExampleServer_Shutdown() {
	server := socketio.NewServer(nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := server.Shutdown(ctx); err != nil {
		log.Printf("shutdown: %v", err) // what remained was closed at once
	}
	fmt.Println("stopped")
	// Output: stopped
}
