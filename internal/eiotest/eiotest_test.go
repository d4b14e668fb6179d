package eiotest_test

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/engineio/packet"
	"github.com/duplexio/duplex/internal/eiotest"
	"github.com/duplexio/duplex/internal/testtime"
	"github.com/duplexio/duplex/parser"
)

func TestMain(m *testing.M) { eiotest.CheckLeaks(m) }

const wait = testtime.Wait

type echo struct{ s *engineio.Session }

func (e echo) OnMessage(data []byte, binary bool) {
	_ = e.s.Write(engineio.Message{Data: bytes.Clone(data), Binary: binary})
}
func (echo) OnClose(string, error) {}

// newEcho serves an Engine.IO echo server at path.
func newEcho(t *testing.T, opts *engineio.Options) (*engineio.Server, string) {
	t.Helper()
	srv := engineio.NewServer(opts, func(s *engineio.Session) engineio.Receiver { return echo{s} })
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		_ = srv.Shutdown(ctx)
		ts.Close()
	})
	return srv, ts.URL
}

func TestConn(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		transport string
		upgrade   bool
	}{{"polling", false}, {"websocket", false}, {"polling", true}} {
		t.Run(tt.transport, func(t *testing.T) {
			t.Parallel()
			srv, url := newEcho(t, &engineio.Options{PingInterval: 20 * time.Millisecond, PingTimeout: time.Second})
			c := eiotest.Dial(t, url, eiotest.Options{Transport: tt.transport})
			if len(c.SID()) != 20 || c.Open()["sid"] != c.SID() {
				t.Fatalf("SID %q, Open %v", c.SID(), c.Open())
			}
			if tt.upgrade {
				c.Upgrade(t)
				if c.Transport() != "websocket" {
					t.Errorf("Transport() %q", c.Transport())
				}
			}
			if err := c.Send(packet.Packet{Type: packet.Message, Data: []byte("a")}, packet.Packet{Type: packet.Message, Data: []byte{1}, Binary: true}); err != nil {
				t.Fatal(err)
			}
			for _, want := range []packet.Packet{{Type: packet.Message, Data: []byte("a")}, {Type: packet.Message, Data: []byte{1}, Binary: true}} {
				p, err := c.Recv(wait)
				if err != nil || p.Type != want.Type || p.Binary != want.Binary || !bytes.Equal(p.Data, want.Data) {
					t.Fatalf("Recv: %v %+v, want %+v", err, p, want)
				}
			}
			// Pings (every 20ms) are answered: the session outlives several.
			time.Sleep(100 * time.Millisecond)
			if _, err := c.Recv(time.Millisecond); !errors.Is(err, eiotest.ErrTimeout) {
				t.Errorf("Recv after pings: %v, want a timeout", err)
			}
			srv.Session(c.SID()).Close()
			if _, err := c.Recv(wait); !errors.Is(err, eiotest.ErrClosed) && err != nil {
				t.Errorf("Recv after Close: %v", err)
			}
			select {
			case <-c.Closed():
			case <-time.After(wait):
				t.Fatal("Closed() not closed")
			}
		})
	}
}

func TestDialContextRefused(t *testing.T) {
	t.Parallel()
	_, url := newEcho(t, nil)
	for _, transport := range []string{"polling", "websocket"} {
		_, err := eiotest.DialContext(context.Background(), url, eiotest.Options{Transport: transport, Query: map[string][]string{"EIO": {"3"}}})
		var he *eiotest.HTTPError
		if !errors.As(err, &he) || he.Status != 400 || he.Body != `{"code":5,"message":"Unsupported protocol version"}` {
			t.Errorf("%s: %v, want HTTP 400 code 5", transport, err)
		}
	}
}

// SIO over an echo server: what it sends comes back and is decoded,
// attachments included.
func TestSIO(t *testing.T) {
	t.Parallel()
	for _, transport := range []string{"polling", "websocket"} {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			_, url := newEcho(t, nil)
			s := eiotest.DialSIO(t, url, eiotest.Options{Transport: transport, Path: "/engine.io/"})
			id := uint64(12)
			if err := s.Emit("/", nil, "skipped"); err != nil {
				t.Fatal(err)
			}
			if err := s.Emit("/admin", &id, "upload", "name", []byte{1, 2, 3}); err != nil {
				t.Fatal(err)
			}
			p, err := s.NextEvent(wait, "upload")
			if err != nil {
				t.Fatal(err)
			}
			if p.Namespace != "/admin" || !p.HasID || p.ID != 12 || string(p.Data) != `["upload","name",{"_placeholder":true,"num":0}]` ||
				len(p.Attachments) != 1 || !bytes.Equal(p.Attachments[0], []byte{1, 2, 3}) {
				t.Errorf("got %+v", p)
			}
			// Connect: the echoed CONNECT is the answer; what came before is kept.
			if err := s.Emit("/", nil, "kept"); err != nil {
				t.Fatal(err)
			}
			r, err := s.Connect("/chat", map[string]string{"token": "x"})
			if err != nil || r.Type != parser.Connect || r.Namespace != "/chat" || string(r.Data) != `{"token":"x"}` {
				t.Fatalf("Connect: %v %+v", err, r)
			}
			if p, err := s.Next(wait); err != nil || eiotest.EventName(p) != "kept" {
				t.Errorf("Next after Connect: %v %+v", err, p)
			}
		})
	}
}
