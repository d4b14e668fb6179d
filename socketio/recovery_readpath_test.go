package socketio_test

import (
	"context"
	"testing"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/parser"
	"github.com/duplexio/duplex/socketio"
)

// slowStore is the in-memory store whose RestoreSession waits until
// release is closed, as a remote store waits for its network.
type slowStore struct {
	*adapter.SessionMemory
	entered chan struct{}
	release chan struct{}
}

func (s *slowStore) RestoreSession(ctx context.Context, pid, offset string) (*adapter.Session, []*parser.Packet, error) {
	s.entered <- struct{}{}
	<-s.release
	return s.SessionMemory.RestoreSession(ctx, pid, offset)
}

// TestRecoveryOffReadPath: while a session is being restored, the
// connection that asked keeps being read: its CONNECT to another
// namespace is answered before the restore returns. Restoring on the
// reader (the epoll poller's worker for WebSocket) held it for the
// store's round trip.
func TestRecoveryOffReadPath(t *testing.T) {
	t.Parallel()
	store := &slowStore{entered: make(chan struct{}, 1), release: make(chan struct{})}
	factory := func(ns adapter.Namespace) adapter.Adapter {
		m := adapter.NewSessionMemory(0)(ns).(*adapter.SessionMemory)
		if ns.Name() == "/" {
			store.SessionMemory = m
			return store
		}
		return m
	}
	io, url := newServer(t, &socketio.Options{Adapter: factory, ConnectionStateRecovery: &socketio.RecoveryOptions{}})
	io.Of("/other")
	c := dial(t, url, "websocket")
	if err := c.SendPacket(&parser.Packet{Type: parser.Connect, Namespace: "/", Data: []byte(`{"pid":"p","offset":"1"}`)}); err != nil {
		t.Fatal(err)
	}
	recv(t, store.entered, "the restore to start")
	p, err := c.Connect("/other", nil)
	close(store.release)
	if err != nil || p.Type != parser.Connect {
		t.Fatalf("CONNECT /other while a restore waits: %v %v", p, err)
	}
	if p := next(t, c); p.Type != parser.Connect || p.Namespace != "/" {
		t.Errorf("then %s, want the CONNECT answer of /", wire(p))
	}
}
