package socketio_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/internal/eiotest"
	"github.com/duplexio/duplex/parser"
	"github.com/duplexio/duplex/socketio"
)

// gapStore is a store whose restore and live delivery are two steps, as
// the Redis Streams adapter's: Missed plays what a node sees while the
// restored socket joins its rooms. Entries 2 and 3 are in the stream when
// it is read again; 2 is delivered live meanwhile, 3 lags (the node's
// XREAD loop comes to it later); 4, a node's own write, is stored after
// the read and delivered live meanwhile.
type gapStore struct {
	*adapter.SessionMemory
	ns adapter.Namespace
}

func event(n int) *parser.Packet {
	return &parser.Packet{Type: parser.Event, Namespace: "/", Data: fmt.Appendf(nil, `["m",%d,"1-%d"]`, n, n)}
}

func (g *gapStore) RestoreSession(context.Context, string, string) (*adapter.Session, []*parser.Packet, error) {
	return &adapter.Session{SID: "s1", PID: "p", Rooms: []string{"s1"}}, []*parser.Packet{event(1)}, nil
}

func (g *gapStore) Missed(_ context.Context, s *adapter.Session, offset string) ([]*parser.Packet, error) {
	if s.SID != "s1" || offset != "1-1" {
		return nil, fmt.Errorf("missed after %s for %s", offset, s.SID)
	}
	g.ns.Deliver(event(2), adapter.BroadcastFlags{}, []string{"s1"})
	g.ns.Deliver(event(4), adapter.BroadcastFlags{}, []string{"s1"})
	return []*parser.Packet{event(2), event(3)}, nil
}

func (g *gapStore) OffsetAfter(a, b string) bool {
	var an, bn int
	_, _ = fmt.Sscanf(a, "1-%d", &an)
	_, _ = fmt.Sscanf(b, "1-%d", &bn)
	return an > bn
}

// TestRecoveryCatchUp: with a store whose restore and live delivery are
// two steps (adapter.CatchUp), a restored socket gets every packet once
// and in order: those broadcast while it joined its rooms are neither
// lost nor doubled, and a live packet the restore already sent is
// dropped. Behind a balancer in streams mode, clients recovering while
// broadcasts went on lost one now and then (test/cluster
// TestBalancerStreamsRecovery).
func TestRecoveryCatchUp(t *testing.T) {
	t.Parallel()
	store := &gapStore{}
	c := restoreFrom(t, store)
	var got []string
	for {
		p := next(t, c)
		got = append(got, wire(p))
		if p.Type == parser.Connect {
			break
		}
	}
	want := `2["m",1,"1-1"] 2["m",2,"1-2"] 2["m",3,"1-3"] 2["m",4,"1-4"] 0{"pid":"p","sid":"s1"}`
	if strings.Join(got, " ") != want {
		t.Fatalf("restored:\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	// Entry 3, sent by the restore's second read, comes live at last.
	store.ns.Deliver(event(3), adapter.BroadcastFlags{}, []string{"s1"})
	store.ns.Deliver(event(5), adapter.BroadcastFlags{}, []string{"s1"})
	if p := next(t, c); wire(p) != `2["m",5,"1-5"]` {
		t.Errorf("after the restore: %s, want entry 5 only", wire(p))
	}
}

// floodStore is a gapStore whose restored socket is sent, while it joins
// its rooms, more broadcasts than the catch-up holds (1 MiB).
type floodStore struct{ gapStore }

// bigEvent is event n with a payload of 400 KB.
func bigEvent(n int) *parser.Packet {
	return &parser.Packet{Type: parser.Event, Namespace: "/", Data: fmt.Appendf(nil, `["m",%d,%q,"1-%d"]`, n, strings.Repeat("x", 400_000), n)}
}

func (f *floodStore) Missed(context.Context, *adapter.Session, string) ([]*parser.Packet, error) {
	for n := 2; n <= 4; n++ {
		f.ns.Deliver(bigEvent(n), adapter.BroadcastFlags{}, []string{"s1"})
	}
	return nil, nil
}

// TestRecoveryCatchUpOverflow: broadcasts held past the catch-up's bound
// are dropped and the connection is closed once the rest is sent, so
// that the client recovers again from its last offset (the store still
// has what was dropped), instead of a gap or an unbounded buffer.
func TestRecoveryCatchUpOverflow(t *testing.T) {
	t.Parallel()
	c := restoreFrom(t, &floodStore{})
	var got []string
	for {
		p, err := c.Next(wait)
		if err != nil {
			break // closed: the client recovers again
		}
		s := wire(p)
		if len(s) > 40 {
			s = s[:9] + "..." + s[len(s)-8:]
		}
		got = append(got, s)
	}
	// 1 from the restore; 2 and 3 held (800 KB) and sent; 4 past the bound,
	// dropped; then the connection closed.
	want := `2["m",1,"1-1"] 2["m",2,"...","1-2"] 2["m",3,"...","1-3"]`
	if !strings.HasPrefix(strings.Join(got, " "), want) || strings.Contains(strings.Join(got, " "), `"1-4"`) {
		t.Fatalf("restored then closed:\n got %s\nwant %s, never 1-4", strings.Join(got, " "), want)
	}
}

// gapped is a store of these tests: a SessionMemory for "/" whose restore
// and live delivery are two steps.
type gapped interface {
	adapter.Adapter
	install(m *adapter.SessionMemory, ns adapter.Namespace)
}

func (g *gapStore) install(m *adapter.SessionMemory, ns adapter.Namespace) {
	g.SessionMemory, g.ns = m, ns
}

// restoreFrom starts a server whose "/" adapter is store and sends the
// CONNECT of a client recovering session "p" after offset 1-0.
func restoreFrom(t *testing.T, store gapped) *eiotest.SIO {
	t.Helper()
	factory := func(ns adapter.Namespace) adapter.Adapter {
		m := adapter.NewSessionMemory(0)(ns).(*adapter.SessionMemory)
		if ns.Name() != "/" {
			return m
		}
		store.install(m, ns)
		return store
	}
	_, url := newServer(t, &socketio.Options{Adapter: factory, ConnectionStateRecovery: &socketio.RecoveryOptions{}})
	c := dial(t, url, "websocket")
	if err := c.SendPacket(&parser.Packet{Type: parser.Connect, Namespace: "/", Data: []byte(`{"pid":"p","offset":"1-0"}`)}); err != nil {
		t.Fatal(err)
	}
	return c
}
