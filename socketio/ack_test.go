package socketio_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/engineio/packet"
	"github.com/duplexio/duplex/internal/eiotest"
	"github.com/duplexio/duplex/parser"
	"github.com/duplexio/duplex/socketio"
)

// TestClientAck: the client asks for an acknowledgement; the handler's
// AckFunc answers it, once.
func TestClientAck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		nsp, want, barrier string
	}{
		{"/", `37["hi",1]`, `38[]`},
		{"/custom", `3/custom,7["hi",1]`, `3/custom,8[]`},
	}
	for _, tr := range transports {
		for _, tt := range tests {
			t.Run(tr+tt.nsp, func(t *testing.T) {
				t.Parallel()
				io, url := newServer(t, nil)
				io.Of(tt.nsp).OnConnection(func(s *socketio.Socket) {
					s.On("echo", func(v string, ack socketio.AckFunc) {
						ack(v, 1)
						ack("second call: not sent")
					})
					s.On("barrier", func(ack socketio.AckFunc) { ack() })
				})
				c := dial(t, url, tr)
				join(t, c, tt.nsp, nil)
				emitAck(t, c, tt.nsp, 7, "echo", "hi")
				emitAck(t, c, tt.nsp, 8, "barrier")
				expect(t, c, tt.want)
				expect(t, c, tt.barrier)
			})
		}
	}
}

// TestClientAckShapes covers the other ways to answer: binary, no
// argument, from another goroutine, and an AckFunc for an event that asked
// for none.
func TestClientAckShapes(t *testing.T) {
	t.Parallel()
	forEachTransport(t, func(t *testing.T, tr string) {
		io, url := newServer(t, nil)
		onConnect(io, func(s *socketio.Socket) {
			s.On("bin", func(ack socketio.AckFunc) { ack([]byte{1, 2}, "x") })
			s.On("later", func(ack socketio.AckFunc) { go ack("from a goroutine") })
			s.On("untyped", func(ack func(...any)) { ack(nil) })
			s.On("large id", func(args socketio.Args, ack socketio.AckFunc) { ack(args.Len()) })
		})
		c, _ := connect(t, url, tr, "/")
		emitAck(t, c, "/", 1, "bin")
		p := expect(t, c, `61-1[{"_placeholder":true,"num":0},"x"]`)
		if len(p.Attachments) != 1 || !bytes.Equal(p.Attachments[0], []byte{1, 2}) {
			t.Errorf("attachments %q", p.Attachments)
		}
		emit(t, c, "/", "bin") // no ack asked: nothing sent
		emitAck(t, c, "/", 2, "later")
		expect(t, c, `32["from a goroutine"]`)
		emitAck(t, c, "/", 3, "untyped")
		expect(t, c, `33[null]`)
		emitAck(t, c, "/", 9007199254740991, "large id", 1, 2)
		expect(t, c, `39007199254740991[2]`)
		expectNothing(t, c)
	})
}

// TestEmitWithAck: the server asks, the client's ACK packet answers.
func TestEmitWithAck(t *testing.T) {
	t.Parallel()
	forEachTransport(t, func(t *testing.T, tr string) {
		io, url := newServer(t, nil)
		c, sid := connect(t, url, tr, "/")
		s := socketOf(t, io, "/", sid)
		type result struct {
			args socketio.Args
			err  error
		}
		res := make(chan result, 1)
		ask := func(args ...any) {
			go func() {
				a, err := s.EmitWithAck(t.Context(), "question", args...)
				res <- result{a, err}
			}()
		}

		ask("q")
		expect(t, c, `20["question","q"]`)
		send(t, c, `30["answer",42]`)
		r := recv(t, res, "EmitWithAck")
		var answer string
		var n int
		if err := r.args.Scan(&answer, &n); r.err != nil || err != nil || answer != "answer" || n != 42 {
			t.Errorf("EmitWithAck = %v %v (scan %v: %q %d)", r.args, r.err, err, answer, n)
		}

		ask([]byte("bin"))
		expect(t, c, `51-1["question",{"_placeholder":true,"num":0}]`)
		if err := c.SendPacket(&parser.Packet{Type: parser.Ack, ID: 1, HasID: true,
			Data: []byte(`[{"_placeholder":true,"num":0}]`), Attachments: [][]byte{{9, 8}}}); err != nil {
			t.Fatal(err)
		}
		r = recv(t, res, "EmitWithAck")
		var b []byte
		if err := r.args.Decode(0, &b); r.err != nil || err != nil || !bytes.Equal(b, []byte{9, 8}) {
			t.Errorf("binary ack = %v %v (decode %v: %v)", r.args, r.err, err, b)
		}
	})
}

// TestEmitWithAckTimeout: no answer in time is ErrAckTimeout, also wrapping
// the context's error; a late answer is ignored.
func TestEmitWithAckTimeout(t *testing.T) {
	t.Parallel()
	forEachTransport(t, func(t *testing.T, tr string) {
		io, url := newServer(t, nil)
		onConnect(io, func(s *socketio.Socket) {
			s.On("echo", func(v string, ack socketio.AckFunc) { ack(v) })
		})
		c, sid := connect(t, url, tr, "/")
		s := socketOf(t, io, "/", sid)

		const d = 100 * time.Millisecond
		start := time.Now()
		_, err := s.Timeout(d).EmitWithAck(context.Background(), "question")
		if !errors.Is(err, socketio.ErrAckTimeout) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Timeout(d).EmitWithAck = %v, want ErrAckTimeout and DeadlineExceeded", err)
		}
		if el := time.Since(start); el < d {
			t.Errorf("timed out after %v, before %v", el, d)
		}
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		if _, err := s.EmitWithAck(ctx, "question"); !errors.Is(err, socketio.ErrAckTimeout) {
			t.Errorf("EmitWithAck(ctx with deadline) = %v, want ErrAckTimeout", err)
		}

		expect(t, c, `20["question"]`)
		expect(t, c, `21["question"]`)
		send(t, c, `30["late"]`)
		send(t, c, `31["late"]`)
		emitAck(t, c, "/", 5, "echo", "alive")
		expect(t, c, `35["alive"]`)
	})
}

// TestEmitAckCallback: Emit with a trailing function is answered through it;
// with Timeout, its first parameter gets nil or the timeout.
func TestEmitAckCallback(t *testing.T) {
	t.Parallel()
	forEachTransport(t, func(t *testing.T, tr string) {
		io, url := newServer(t, nil)
		c, sid := connect(t, url, tr, "/")
		s := socketOf(t, io, "/", sid)
		got := make(chan string, 4)

		if err := s.Emit("ask", "x", func(answer string, n int) { got <- fmt.Sprint(answer, " ", n) }); err != nil {
			t.Fatal(err)
		}
		expect(t, c, `20["ask","x"]`)
		send(t, c, `30["yes",3]`)
		if g := recv(t, got, "callback"); g != "yes 3" {
			t.Errorf("callback got %q", g)
		}

		if err := s.Timeout(wait).Emit("ask", func(err error, answer string) { got <- fmt.Sprint(err, " ", answer) }); err != nil {
			t.Fatal(err)
		}
		expect(t, c, `21["ask"]`)
		send(t, c, `31["in time"]`)
		if g := recv(t, got, "callback"); g != "<nil> in time" {
			t.Errorf("callback got %q", g)
		}

		errs := make(chan error, 2)
		if err := s.Timeout(50*time.Millisecond).Emit("ask", func(err error, answer string) {
			if answer != "" {
				err = fmt.Errorf("answer %q with the timeout", answer)
			}
			errs <- err
		}); err != nil {
			t.Fatal(err)
		}
		if err := recv(t, errs, "timeout callback"); !errors.Is(err, socketio.ErrAckTimeout) {
			t.Errorf("callback got %v, want ErrAckTimeout", err)
		}
		expect(t, c, `22["ask"]`)
		send(t, c, `32["too late"]`)
		none(t, errs, "second callback")

		if err := s.Timeout(time.Second).Emit("ask", func(answer string) {}); err == nil {
			t.Error("Timeout().Emit with a callback without an error parameter: no error")
		}
	})
}

// TestEmitWithAckDisconnect: waits for an answer end with ErrDisconnected
// when the client goes, however it goes.
func TestEmitWithAckDisconnect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		leave func(c *eiotest.SIO, s *socketio.Socket) error
	}{
		{"client DISCONNECT", func(c *eiotest.SIO, _ *socketio.Socket) error { return c.SendText("1") }},
		{"engine close packet", func(c *eiotest.SIO, _ *socketio.Socket) error { return c.Send(packet.Packet{Type: packet.Close}) }},
		{"transport closed", func(c *eiotest.SIO, _ *socketio.Socket) error { c.Close(); return nil }},
		{"server Disconnect", func(_ *eiotest.SIO, s *socketio.Socket) error { s.Disconnect(false); return nil }},
		{"server Disconnect(true)", func(_ *eiotest.SIO, s *socketio.Socket) error { s.Disconnect(true); return nil }},
	}
	for _, tr := range transports {
		for _, tt := range tests {
			t.Run(tr+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				// A polling client that stops polling is only noticed by
				// the heartbeat: keep it short.
				io, url := newServer(t, &socketio.Options{Engine: engineio.Options{PingInterval: 300 * time.Millisecond, PingTimeout: 300 * time.Millisecond}})
				c, sid := connect(t, url, tr, "/")
				s := socketOf(t, io, "/", sid)
				errs := make(chan error, 3)
				go func() {
					_, err := s.EmitWithAck(context.Background(), "a")
					errs <- err
				}()
				if err := s.Timeout(wait).Emit("b", func(err error) { errs <- err }); err != nil {
					t.Fatal(err)
				}
				next(t, c)
				next(t, c)
				if err := tt.leave(c, s); err != nil {
					t.Fatal(err)
				}
				for range 2 {
					if err := recv(t, errs, "result"); !errors.Is(err, socketio.ErrDisconnected) {
						t.Errorf("got %v, want ErrDisconnected", err)
					}
				}
			})
		}
	}
}

// TestAckReachesBlockedHandler: a handler blocked in EmitWithAck gets its
// answer; acknowledgements are not queued behind the socket's handlers.
func TestAckReachesBlockedHandler(t *testing.T) {
	t.Parallel()
	forEachTransport(t, func(t *testing.T, tr string) {
		io, url := newServer(t, nil)
		onConnect(io, func(s *socketio.Socket) {
			s.On("start", func(ack socketio.AckFunc) {
				a, err := s.EmitWithAck(context.Background(), "q")
				if err != nil {
					ack("error", err.Error())
					return
				}
				var v string
				_ = a.Decode(0, &v)
				ack("client said " + v)
			})
		})
		c, _ := connect(t, url, tr, "/")
		emitAck(t, c, "/", 1, "start")
		expect(t, c, `20["q"]`)
		send(t, c, `30["a"]`)
		expect(t, c, `31["client said a"]`)
	})
}

// TestUnknownAck: ACKs for ids the server does not wait for are ignored,
// and a callback is called once however often it is answered.
func TestUnknownAck(t *testing.T) {
	t.Parallel()
	forEachTransport(t, func(t *testing.T, tr string) {
		io, url := newServer(t, nil)
		onConnect(io, func(s *socketio.Socket) {
			s.On("echo", func(v string, ack socketio.AckFunc) { ack(v) })
		})
		c, sid := connect(t, url, tr, "/")
		s := socketOf(t, io, "/", sid)
		got := make(chan string, 4)
		if err := s.Emit("ask", func(v string) { got <- v }); err != nil {
			t.Fatal(err)
		}
		expect(t, c, `20["ask"]`)
		send(t, c, `3999["unknown"]`)
		send(t, c, `30["first"]`)
		send(t, c, `30["again"]`)
		if v := recv(t, got, "callback"); v != "first" {
			t.Errorf("callback got %q", v)
		}
		emitAck(t, c, "/", 4, "echo", "alive")
		expect(t, c, `34["alive"]`)
		none(t, got, "second callback")
	})
}

// TestAckReachesBlockedHandlerUnderLoad: the answer to a handler's
// EmitWithAck must reach it even when the client sent more events than the
// socket queues (256) meanwhile. Reading the connection must not wait for
// the blocked handler, or the ACK is never read: the handler waits until
// its context ends, and the heartbeat's pongs are not read either.
func TestAckReachesBlockedHandlerUnderLoad(t *testing.T) {
	t.Parallel()
	io, url := newServer(t, nil)
	onConnect(io, func(s *socketio.Socket) {
		s.On("start", func(ack socketio.AckFunc) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			_, err := s.EmitWithAck(ctx, "q")
			ack(fmt.Sprint(err))
		})
		s.On("spam", func(int) {})
	})
	c, _ := connect(t, url, "websocket", "/")
	emitAck(t, c, "/", 1, "start")
	expect(t, c, `20["q"]`)
	for i := range 300 {
		emit(t, c, "/", "spam", i)
	}
	send(t, c, `30[]`)
	expect(t, c, `31["<nil>"]`)
}
