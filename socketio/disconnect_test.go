package socketio_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/engineio/packet"
	"github.com/duplexio/duplex/internal/eiotest"
	"github.com/duplexio/duplex/socketio"
)

// TestDisconnectReasons checks the reason each way of leaving gives the
// disconnect listeners, what the client receives, and whether its
// connection survives. The client is in "/" and "/custom".
func TestDisconnectReasons(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		transports []string // nil: both
		opts       *socketio.Options
		noPong     bool
		leave      func(t *testing.T, c *eiotest.SIO, main, custom *socketio.Socket)
		reasons    map[string]string // by namespace
		packets    []string          // received
		closed     bool              // the connection ends
	}{
		{name: "client DISCONNECT",
			leave:   func(t *testing.T, c *eiotest.SIO, _, _ *socketio.Socket) { send(t, c, "1") },
			reasons: map[string]string{"/": "client namespace disconnect"}},
		{name: "client DISCONNECT custom",
			leave:   func(t *testing.T, c *eiotest.SIO, _, _ *socketio.Socket) { send(t, c, "1/custom,") },
			reasons: map[string]string{"/custom": "client namespace disconnect"}},
		{name: "Disconnect(false)",
			leave:   func(_ *testing.T, _ *eiotest.SIO, main, _ *socketio.Socket) { main.Disconnect(false) },
			reasons: map[string]string{"/": "server namespace disconnect"},
			packets: []string{"1"}},
		{name: "Disconnect(false) custom",
			leave:   func(_ *testing.T, _ *eiotest.SIO, _, custom *socketio.Socket) { custom.Disconnect(false) },
			reasons: map[string]string{"/custom": "server namespace disconnect"},
			packets: []string{"1/custom,"}},
		{name: "Disconnect(true)",
			leave:   func(_ *testing.T, _ *eiotest.SIO, main, _ *socketio.Socket) { main.Disconnect(true) },
			reasons: map[string]string{"/": "server namespace disconnect", "/custom": "server namespace disconnect"},
			packets: []string{"1", "1/custom,"}, closed: true},
		{name: "engine close packet",
			leave: func(t *testing.T, c *eiotest.SIO, _, _ *socketio.Socket) {
				if err := c.Send(packet.Packet{Type: packet.Close}); err != nil {
					t.Fatal(err)
				}
			},
			reasons: map[string]string{"/": "transport close", "/custom": "transport close"}},
		{name: "websocket closed", transports: []string{"websocket"},
			leave:   func(_ *testing.T, c *eiotest.SIO, _, _ *socketio.Socket) { c.Close() },
			reasons: map[string]string{"/": "transport close", "/custom": "transport close"}},
		{name: "ping timeout", noPong: true,
			opts:    &socketio.Options{Engine: engineio.Options{PingInterval: 100 * time.Millisecond, PingTimeout: 100 * time.Millisecond}},
			leave:   func(*testing.T, *eiotest.SIO, *socketio.Socket, *socketio.Socket) {},
			reasons: map[string]string{"/": "ping timeout", "/custom": "ping timeout"}, closed: true},
	}
	for _, tr := range transports {
		for _, tt := range tests {
			if tt.transports != nil && !slices.Contains(tt.transports, tr) {
				continue
			}
			t.Run(tr+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				io, url := newServer(t, tt.opts)
				reasons := make(chan [2]string, 4)
				record := func(s *socketio.Socket) {
					s.OnDisconnect(func(r string) { reasons <- [2]string{s.Namespace().Name(), r} })
				}
				io.OnConnection(record)
				io.Of("/custom").OnConnection(record)
				c := eiotest.DialSIO(t, url, eiotest.Options{Transport: tr, NoAutoPong: tt.noPong})
				main := socketOf(t, io, "/", join(t, c, "/", nil))
				custom := socketOf(t, io, "/custom", join(t, c, "/custom", nil))

				tt.leave(t, c, main, custom)
				got := map[string]string{}
				for range tt.reasons {
					r := recv(t, reasons, "disconnect")
					got[r[0]] = r[1]
				}
				for nsp, want := range tt.reasons {
					if got[nsp] != want {
						t.Errorf("%s: reason %q, want %q", nsp, got[nsp], want)
					}
				}
				none(t, reasons, "disconnect")

				switch {
				case tt.name == "websocket closed" || tt.name == "engine close packet":
				case tt.closed: // in any order: one per namespace
					if p := expectClosed(t, c); !slices.Equal(slices.Sorted(slices.Values(p)), tt.packets) {
						t.Errorf("received %q, want %q", p, tt.packets)
					}
				default:
					for _, want := range tt.packets {
						expect(t, c, want)
					}
					// The connection and the other namespace still work.
					for nsp := range tt.reasons {
						join(t, c, nsp, nil)
					}
					expectNothing(t, c)
				}
			})
		}
	}
}

// TestDisconnectingSeesRooms: "disconnecting" listeners run while the
// socket is still in its rooms, "disconnect" listeners after it left them.
func TestDisconnectingSeesRooms(t *testing.T) {
	t.Parallel()
	io, url := newServer(t, nil)
	got := make(chan string, 4)
	onConnect(io, func(s *socketio.Socket) {
		s.Join("room1")
		s.OnDisconnecting(func(r string) {
			got <- strings.Join(slices.DeleteFunc(s.Rooms(), func(x string) bool { return x == s.ID() }), ",") + " " + r
		})
		s.OnDisconnect(func(r string) { got <- strings.Join(s.Rooms(), ",") + " " + r })
	})
	c, _ := connect(t, url, "websocket", "/")
	c.Close()
	if g := recv(t, got, "disconnecting"); g != "room1 transport close" {
		t.Errorf("disconnecting: %q, want rooms room1", g)
	}
	if g := recv(t, got, "disconnect"); g != " transport close" {
		t.Errorf("disconnect: %q, want no rooms", g)
	}
	if r := io.Sockets().Adapter().Rooms(); len(r) != 0 {
		t.Errorf("rooms left: %v", r)
	}
}

// TestInvalidPackets: a packet the parser refuses ends the connection with
// "parse error"; the server keeps serving the other clients.
func TestInvalidPackets(t *testing.T) {
	t.Parallel()
	text := func(s string) packet.Packet { return packet.Packet{Type: packet.Message, Data: []byte(s)} }
	bin := func(b ...byte) packet.Packet { return packet.Packet{Type: packet.Message, Data: b, Binary: true} }
	tests := []struct {
		name string
		send []packet.Packet
	}{
		{"garbage", []packet.Packet{text("garbage")}},
		{"unknown type", []packet.Packet{text(`9["ev"]`)}},
		{"invalid JSON", []packet.Packet{text(`2["ev"`)}},
		{"event not an array", []packet.Packet{text(`2{"ev":1}`)}},
		{"empty event", []packet.Packet{text(`2[]`)}},
		{"reserved event", []packet.Packet{text(`2["disconnect"]`)}},
		{"ack without id", []packet.Packet{text(`3["x"]`)}},
		{"placeholder out of range", []packet.Packet{text(`51-["ev",{"_placeholder":true,"num":1}]`), bin(1)}},
		{"text while attachments expected", []packet.Packet{text(`52-["ev",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`), bin(1), text(`2["ev"]`)}},
		{"zero attachments", []packet.Packet{text(`50-["ev"]`)}},
		{"binary not expected", []packet.Packet{bin(1, 2, 3)}},
	}
	for _, tr := range transports {
		for _, tt := range tests {
			t.Run(tr+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				io, url := newServer(t, nil)
				reasons := make(chan string, 2)
				onConnect(io, func(s *socketio.Socket) {
					s.OnDisconnect(func(r string) { reasons <- r })
					s.On("echo", func(v string, ack socketio.AckFunc) { ack(v) })
				})
				bad, _ := connect(t, url, tr, "/")
				good, _ := connect(t, url, tr, "/")
				if err := bad.Send(tt.send...); err != nil {
					t.Fatal(err)
				}
				if r := recv(t, reasons, "disconnect"); r != "parse error" {
					t.Errorf("reason %q, want parse error", r)
				}
				if got := expectClosed(t, bad); len(got) != 0 {
					t.Errorf("received %q before the close", got)
				}
				emitAck(t, good, "/", 1, "echo", "ok")
				expect(t, good, `31["ok"]`)
			})
		}
	}
}

// TestInvalidState: a packet that does not fit the connection's state (an
// event for a namespace not joined, a second CONNECT, a CONNECT_ERROR from
// the client) closes the connection, as in Node.
func TestInvalidState(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, packet string
		joined       bool
	}{
		{"event before CONNECT", `2["ev"]`, false},
		{"event for a namespace not joined", `2/custom,["ev"]`, true},
		{"ack for a namespace not joined", `3/custom,1[]`, true},
		{"DISCONNECT for a namespace not joined", `1/custom,`, true},
		{"second CONNECT", `0`, true},
		{"CONNECT_ERROR from the client", `4{"message":"x"}`, true},
	}
	for _, tr := range transports {
		for _, tt := range tests {
			t.Run(tr+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				io, url := newServer(t, nil)
				io.Of("/custom")
				reasons := make(chan string, 2)
				onConnect(io, func(s *socketio.Socket) {
					s.OnDisconnect(func(r string) { reasons <- r })
				})
				c := dial(t, url, tr)
				if tt.joined {
					join(t, c, "/", nil)
				}
				send(t, c, tt.packet)
				if got := expectClosed(t, c); len(got) != 0 {
					t.Errorf("received %q before the close", got)
				}
				if tt.joined {
					if r := recv(t, reasons, "disconnect"); r != socketio.ReasonForcedClose {
						t.Errorf("reason %q, want %q", r, socketio.ReasonForcedClose)
					}
				}
			})
		}
	}
}

// TestNoDeliveryAfterDisconnect: once disconnected, a socket receives no
// broadcast, even while its listeners wait behind a busy handler; a
// client that joins the namespace again on the same connection must get
// each broadcast once.
func TestNoDeliveryAfterDisconnect(t *testing.T) {
	t.Parallel()
	forEachTransport(t, func(t *testing.T, tr string) {
		io, url := newServer(t, nil)
		started, release := make(chan struct{}, 1), make(chan struct{})
		t.Cleanup(func() { close(release) }) // before the server's Shutdown
		onConnect(io, func(s *socketio.Socket) {
			s.On("block", func() { started <- struct{}{}; <-release })
		})
		c, _ := connect(t, url, tr, "/")
		emit(t, c, "/", "block")
		recv(t, started, "blocking handler")
		send(t, c, "1")
		join(t, c, "/", nil)
		if err := io.Emit("news"); err != nil {
			t.Fatal(err)
		}
		expect(t, c, `2["news"]`)
		expectNothing(t, c)
	})
}

// TestDisconnectFromHandlers: a connection handler or an event handler may
// disconnect its own socket.
func TestDisconnectFromHandlers(t *testing.T) {
	t.Parallel()
	forEachTransport(t, func(t *testing.T, tr string) {
		io, url := newServer(t, nil)
		reasons := make(chan string, 4)
		onConnect(io, func(s *socketio.Socket) {
			s.OnDisconnect(func(r string) { reasons <- r })
			if string(s.Handshake().Auth) == `{"kick":true}` {
				s.Disconnect(false)
				return
			}
			s.On("quit", func(ack socketio.AckFunc) {
				ack("bye")
				s.Disconnect(true)
			})
		})
		c := dial(t, url, tr)
		join(t, c, "/", map[string]bool{"kick": true})
		expect(t, c, "1")
		if r := recv(t, reasons, "disconnect"); r != socketio.ReasonServerDisconnect {
			t.Errorf("reason %q", r)
		}
		join(t, c, "/", nil)
		emitAck(t, c, "/", 1, "quit")
		if got := expectClosed(t, c); !slices.Equal(got, []string{`31["bye"]`, "1"}) {
			t.Errorf("received %q before the close", got)
		}
		if r := recv(t, reasons, "disconnect"); r != socketio.ReasonServerDisconnect {
			t.Errorf("reason %q", r)
		}
	})
}
