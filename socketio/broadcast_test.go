package socketio_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/duplexio/duplex/internal/eiotest"
	"github.com/duplexio/duplex/socketio"
)

// fleet is a server with clients connected to "/", each socket in given
// rooms.
type fleet struct {
	io      *socketio.Server
	url     string
	clients []*eiotest.SIO
	socks   []*socketio.Socket
}

func newFleet(t *testing.T, transport string, rooms ...[]string) *fleet {
	t.Helper()
	io, url := newServer(t, nil)
	f := &fleet{io: io, url: url}
	for _, r := range rooms {
		c, sid := connect(t, url, transport, "/")
		s := socketOf(t, io, "/", sid)
		s.Join(r...)
		f.clients = append(f.clients, c)
		f.socks = append(f.socks, s)
	}
	return f
}

// received emits a barrier to every socket and returns, per client, the
// packets each received before it (the packets of one socket keep their
// order).
func (f *fleet) received(t *testing.T) [][]string {
	t.Helper()
	if err := f.io.Emit("barrier"); err != nil {
		t.Fatal(err)
	}
	out := make([][]string, len(f.clients))
	for i, c := range f.clients {
		for {
			p := next(t, c)
			if eiotest.EventName(p) == "barrier" {
				break
			}
			out[i] = append(out[i], wire(p))
		}
	}
	return out
}

func TestRooms(t *testing.T) {
	t.Parallel()
	f := newFleet(t, "websocket", nil, nil)
	s, other := f.socks[0], f.socks[1]
	if got := s.Rooms(); !slices.Equal(got, []string{s.ID()}) {
		t.Errorf("Rooms() of a new socket = %v, want its own id", got)
	}
	s.Join("b", "a")
	s.Join("a")
	other.Join("b")
	want := slices.Sorted(slices.Values([]string{"a", "b", s.ID()}))
	if got := s.Rooms(); !slices.Equal(got, want) {
		t.Errorf("Rooms() = %v, want %v", got, want)
	}
	s.Leave("a")
	s.Leave("never joined")
	if got := s.Rooms(); !slices.Equal(got, slices.Sorted(slices.Values([]string{"b", s.ID()}))) {
		t.Errorf("Rooms() after Leave = %v", got)
	}
	want = slices.Sorted(slices.Values([]string{"b", s.ID(), other.ID()}))
	if got := f.io.Sockets().Adapter().Rooms(); !slices.Equal(got, want) {
		t.Errorf("Adapter().Rooms() = %v, want %v", got, want)
	}
}

func TestInRoom(t *testing.T) {
	t.Parallel()
	f := newFleet(t, "websocket", nil, nil)
	s, other := f.socks[0], f.socks[1]
	s.Join("a", "b")
	other.Join("c")
	s.Leave("b")
	for _, tc := range []struct {
		room string
		want bool
	}{{s.ID(), true}, {"a", true}, {"b", false}, {"c", false}, {other.ID(), false}, {"", false}} {
		if got := s.InRoom(tc.room); got != tc.want {
			t.Errorf("InRoom(%q) = %v, want %v", tc.room, got, tc.want)
		}
	}
}

// TestBroadcast checks who receives each kind of broadcast. Sockets 0-3 are
// in rooms a; a, b; b; none.
func TestBroadcast(t *testing.T) {
	t.Parallel()
	forEachTransport(t, func(t *testing.T, tr string) {
		f := newFleet(t, tr, []string{"a"}, []string{"a", "b"}, []string{"b"}, nil)
		io, s := f.io, f.socks
		reused := io.To("a")
		tests := []struct {
			name string
			emit func(event string) error
			want []int // the sockets that receive it
		}{
			{"all", func(e string) error { return io.Emit(e) }, []int{0, 1, 2, 3}},
			{"To a", func(e string) error { return io.To("a").Emit(e) }, []int{0, 1}},
			{"In b", func(e string) error { return io.In("b").Emit(e) }, []int{1, 2}},
			{"To a b: once each", func(e string) error { return io.To("a", "b").Emit(e) }, []int{0, 1, 2}},
			{"To a To b", func(e string) error { return io.To("a").To("b").Emit(e) }, []int{0, 1, 2}},
			{"To a a", func(e string) error { return io.To("a", "a").Emit(e) }, []int{0, 1}},
			{"Except a", func(e string) error { return io.Except("a").Emit(e) }, []int{2, 3}},
			{"To b Except a", func(e string) error { return io.To("b").Except("a").Emit(e) }, []int{2}},
			{"To a Except a", func(e string) error { return io.To("a").Except("a").Emit(e) }, nil},
			{"To socket id", func(e string) error { return io.To(s[3].ID()).Emit(e) }, []int{3}},
			{"To empty room", func(e string) error { return io.To("nobody").Emit(e) }, nil},
			{"Local Compress", func(e string) error { return io.Sockets().Local().Compress(true).To("b").Emit(e) }, []int{1, 2}},
			{"Socket.Broadcast", func(e string) error { return s[0].Broadcast().Emit(e) }, []int{1, 2, 3}},
			{"Socket.To a", func(e string) error { return s[1].To("a").Emit(e) }, []int{0}},
			{"Socket.In a b", func(e string) error { return s[1].In("a", "b").Emit(e) }, []int{0, 2}},
			{"Socket.Except b", func(e string) error { return s[0].Except("b").Emit(e) }, []int{3}},
			{"Socket.To own id", func(e string) error { return s[0].To(s[0].ID()).Emit(e) }, nil},
			{"operator reused", func(e string) error { return reused.Emit(e) }, []int{0, 1}},
			{"operator derived", func(e string) error { return reused.Except("b").Emit(e) }, []int{0}},
		}
		for _, tt := range tests {
			if err := tt.emit(tt.name); err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			got := f.received(t)
			for i := range f.clients {
				var want []string
				if slices.Contains(tt.want, i) {
					want = []string{fmt.Sprintf(`2[%q]`, tt.name)}
				}
				if !slices.Equal(got[i], want) {
					t.Errorf("%s: socket %d got %q, want %q", tt.name, i, got[i], want)
				}
			}
		}
	})
}

// TestBroadcastVolatile: a volatile broadcast may be dropped, but never
// reaches a socket it does not target, nor twice.
func TestBroadcastVolatile(t *testing.T) {
	t.Parallel()
	forEachTransport(t, func(t *testing.T, tr string) {
		f := newFleet(t, tr, []string{"a"}, nil)
		for range 5 {
			if err := f.io.Volatile().To("a").Emit("v", 1); err != nil {
				t.Fatal(err)
			}
			if err := f.socks[0].Volatile().Emit("w"); err != nil {
				t.Fatal(err)
			}
			got := f.received(t)
			if len(got[1]) != 0 {
				t.Errorf("untargeted socket got %q", got[1])
			}
			for _, p := range got[0] {
				if p != `2["v",1]` && p != `2["w"]` {
					t.Errorf("got %q", p)
				}
			}
			if len(got[0]) > 2 {
				t.Errorf("got %q: duplicates", got[0])
			}
		}
	})
}

// TestBroadcastBinary: a broadcast with binary data is received whole by
// every recipient, over both transports at once.
func TestBroadcastBinary(t *testing.T) {
	t.Parallel()
	io, url := newServer(t, nil)
	var clients []*eiotest.SIO
	for _, tr := range transports {
		c, _ := connect(t, url, tr, "/")
		clients = append(clients, c)
	}
	if err := io.Emit("bin", []byte{0xff, 0}, "text"); err != nil {
		t.Fatal(err)
	}
	for _, c := range clients {
		p := expect(t, c, `51-["bin",{"_placeholder":true,"num":0},"text"]`)
		if len(p.Attachments) != 1 || string(p.Attachments[0]) != "\xff\x00" {
			t.Errorf("attachments %q", p.Attachments)
		}
	}
}

func TestFetchSockets(t *testing.T) {
	t.Parallel()
	f := newFleet(t, "websocket", []string{"a"}, []string{"a", "b"}, nil)
	type data struct{ N int }
	for i, s := range f.socks {
		s.SetData(data{i})
	}
	ctx := t.Context()
	all, err := f.io.FetchSockets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 {
		t.Fatalf("FetchSockets: %d sockets, want 3", len(all))
	}
	byID := map[string]*socketio.RemoteSocket{}
	for _, r := range all {
		byID[r.ID] = r
	}
	for i, s := range f.socks {
		r := byID[s.ID()]
		if r == nil {
			t.Fatalf("socket %d missing", i)
		}
		if !slices.Equal(r.Rooms, s.Rooms()) || r.Data != (data{i}) || r.Handshake != s.Handshake() {
			t.Errorf("socket %d: rooms %v data %v handshake %p, want %v %v %p", i, r.Rooms, r.Data, r.Handshake, s.Rooms(), data{i}, s.Handshake())
		}
	}

	ids := func(rs []*socketio.RemoteSocket, err error) []string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rs {
			out = append(out, r.ID)
		}
		sort.Strings(out)
		return out
	}
	sorted := func(idx ...int) []string {
		var out []string
		for _, i := range idx {
			out = append(out, f.socks[i].ID())
		}
		sort.Strings(out)
		return out
	}
	if got, want := ids(f.io.In("a").FetchSockets(ctx)), sorted(0, 1); !slices.Equal(got, want) {
		t.Errorf("In(a).FetchSockets = %v, want %v", got, want)
	}
	if got, want := ids(f.io.Except("b").FetchSockets(ctx)), sorted(0, 2); !slices.Equal(got, want) {
		t.Errorf("Except(b).FetchSockets = %v, want %v", got, want)
	}
	if got := ids(f.io.In("nobody").FetchSockets(ctx)); len(got) != 0 {
		t.Errorf("In(nobody).FetchSockets = %v", got)
	}
}

func TestSocketsJoinLeave(t *testing.T) {
	t.Parallel()
	f := newFleet(t, "websocket", []string{"a"}, []string{"a", "b"}, nil)
	roomsOf := func(i int) []string {
		var out []string
		for _, r := range f.socks[i].Rooms() {
			if r != f.socks[i].ID() {
				out = append(out, r)
			}
		}
		return out
	}
	f.io.In("a").SocketsJoin("c", "d")
	f.io.SocketsJoin("all")
	f.io.In("b").SocketsLeave("a", "d")
	f.io.Except("a").SocketsLeave("all")
	want := [][]string{{"a", "all", "c", "d"}, {"b", "c"}, nil}
	for i := range f.socks {
		if got := roomsOf(i); !slices.Equal(got, want[i]) {
			t.Errorf("socket %d rooms %v, want %v", i, got, want[i])
		}
	}
}

// TestDisconnectSockets: DisconnectSockets(false) sends DISCONNECT and keeps
// the connection; (true) closes it too.
func TestDisconnectSockets(t *testing.T) {
	t.Parallel()
	forEachTransport(t, func(t *testing.T, tr string) {
		io, url := newServer(t, nil)
		reasons := make(chan string, 8)
		onConnect(io, func(s *socketio.Socket) {
			s.OnDisconnect(func(r string) { reasons <- r })
		})
		var clients []*eiotest.SIO
		for i := range 4 {
			c, sid := connect(t, url, tr, "/")
			socketOf(t, io, "/", sid).Join(fmt.Sprint("r", i%2))
			clients = append(clients, c)
		}
		io.In("r0").DisconnectSockets(false)
		for _, i := range []int{0, 2} {
			expect(t, clients[i], `1`)
			if r := recv(t, reasons, "reason"); r != socketio.ReasonServerDisconnect {
				t.Errorf("reason %q", r)
			}
			join(t, clients[i], "/", nil) // the connection is still there
		}
		io.In("r1").DisconnectSockets(true)
		for _, i := range []int{1, 3} {
			if got := expectClosed(t, clients[i]); !slices.Equal(got, []string{"1"}) {
				t.Errorf("client %d got %q before the close, want [1]", i, got)
			}
			if r := recv(t, reasons, "reason"); r != socketio.ReasonServerDisconnect {
				t.Errorf("reason %q", r)
			}
		}
		io.DisconnectSockets(true)
		for _, i := range []int{0, 2} {
			if got := expectClosed(t, clients[i]); !slices.Equal(got, []string{"1"}) {
				t.Errorf("client %d got %q before the close, want [1]", i, got)
			}
		}
		eventually(t, "no sockets left", func() bool { return len(io.Sockets().Sockets()) == 0 })
	})
}

func TestRemoteSocket(t *testing.T) {
	t.Parallel()
	f := newFleet(t, "polling", nil, nil)
	rs, err := f.io.In(f.socks[0].ID()).FetchSockets(t.Context())
	if err != nil || len(rs) != 1 {
		t.Fatalf("FetchSockets = %v, %v", rs, err)
	}
	r := rs[0]
	if err := r.Emit("direct", 1); err != nil {
		t.Fatal(err)
	}
	r.Join("x", "y")
	r.Leave("y")
	if got := f.received(t); !slices.Equal(got[0], []string{`2["direct",1]`}) || len(got[1]) != 0 {
		t.Errorf("received %q", got)
	}
	want := slices.Sorted(slices.Values([]string{"x", f.socks[0].ID()}))
	if got := f.socks[0].Rooms(); !slices.Equal(got, want) {
		t.Errorf("rooms %v, want %v", got, want)
	}
	r.Disconnect(false)
	expect(t, f.clients[0], `1`)
	r.Disconnect(true) // gone: nothing happens
	expectNothing(t, f.clients[1])
}

// TestBroadcastEmitWithAck collects every client's answer, or those that
// came in time with ErrAckTimeout.
func TestBroadcastEmitWithAck(t *testing.T) {
	t.Parallel()
	forEachTransport(t, func(t *testing.T, tr string) {
		f := newFleet(t, tr, []string{"a"}, []string{"a"}, []string{"a"}, nil)
		decode := func(res []socketio.Args) []int {
			var out []int
			for _, a := range res {
				var n int
				if err := a.Decode(0, &n); err != nil {
					t.Errorf("decode %v: %v", a, err)
				}
				out = append(out, n)
			}
			slices.Sort(out)
			return out
		}
		type result struct {
			res []socketio.Args
			err error
		}
		done := make(chan result, 1)

		// Every answer: done.
		go func() {
			res, err := f.io.To("a").EmitWithAck(context.Background(), "q", 1)
			done <- result{res, err}
		}()
		for i := range 3 {
			p := next(t, f.clients[i])
			if got, want := wire(p), fmt.Sprintf(`2%d["q",1]`, p.ID); got != want {
				t.Errorf("client %d got %s, want %s", i, got, want)
			}
			send(t, f.clients[i], fmt.Sprintf(`3%d[%d]`, p.ID, i*10))
		}
		r := recv(t, done, "EmitWithAck")
		if got := decode(r.res); r.err != nil || !slices.Equal(got, []int{0, 10, 20}) {
			t.Errorf("EmitWithAck = %v, %v; want [0 10 20]", got, r.err)
		}

		// One silent client: the others' answers and ErrAckTimeout.
		go func() {
			res, err := f.io.To("a").Timeout(500*time.Millisecond).EmitWithAck(context.Background(), "q", 2)
			done <- result{res, err}
		}()
		for i := range 3 {
			p := next(t, f.clients[i])
			if i < 2 {
				send(t, f.clients[i], fmt.Sprintf(`3%d[%d]`, p.ID, i*10))
			}
		}
		r = recv(t, done, "EmitWithAck")
		if got := decode(r.res); !errors.Is(r.err, socketio.ErrAckTimeout) || !slices.Equal(got, []int{0, 10}) {
			t.Errorf("EmitWithAck = %v, %v; want [0 10] and ErrAckTimeout", got, r.err)
		}

		// With a callback.
		cb := make(chan result, 1)
		if err := f.io.Timeout(wait).To("a").Except(f.socks[0].ID()).Emit("q", 3, func(err error, res []socketio.Args) {
			cb <- result{res, err}
		}); err != nil {
			t.Fatal(err)
		}
		for i := 1; i < 3; i++ {
			p := next(t, f.clients[i])
			send(t, f.clients[i], fmt.Sprintf(`3%d[%d]`, p.ID, i))
		}
		r = recv(t, cb, "callback")
		if got := decode(r.res); r.err != nil || !slices.Equal(got, []int{1, 2}) {
			t.Errorf("callback got %v, %v; want [1 2]", got, r.err)
		}

		// No recipient: done at once.
		res, err := f.io.To("nobody").EmitWithAck(context.Background(), "q")
		if err != nil || len(res) != 0 {
			t.Errorf("EmitWithAck to nobody = %v, %v", res, err)
		}
	})
}

// TestBroadcastAckCallbackShutdown: a broadcast with an acknowledgement
// callback and no timeout must not outlive the server when a recipient
// never answers: its goroutine would wait forever.
func TestBroadcastAckCallbackShutdown(t *testing.T) {
	t.Parallel()
	io, url := newServer(t, nil)
	c, _ := connect(t, url, "websocket", "/")
	called := make(chan error, 1)
	if err := io.Emit("q", func(err error, _ []socketio.Args) { called <- err }); err != nil {
		t.Fatal(err)
	}
	next(t, c) // the client never answers
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := io.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-called:
	case <-time.After(2 * time.Second):
		t.Fatal("the callback of a broadcast whose recipient left was never called: its goroutine leaks past Shutdown")
	}
}

func TestServerSideEmitSingleNode(t *testing.T) {
	t.Parallel()
	io, url := newServer(t, nil)
	c, _ := connect(t, url, "websocket", "/")
	if err := io.ServerSideEmit(t.Context(), "hello", 1); err != nil {
		t.Errorf("ServerSideEmit: %v", err)
	}
	res, err := io.ServerSideEmitWithAck(t.Context(), "hello")
	if err != nil || len(res) != 0 {
		t.Errorf("ServerSideEmitWithAck = %v, %v; want no answers", res, err)
	}
	expectNothing(t, c) // not sent to clients
}
