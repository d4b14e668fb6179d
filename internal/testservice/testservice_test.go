package testservice

import (
	"net"
	"testing"
	"time"
)

func TestMain(m *testing.M) { Main(m) }

func answers(k Kind, addr string) bool { return k.probe(addr) == nil }

// TestStartStopRestart: a server of the test's own answers on a port that
// is not Redis's or NATS's default, stops, and comes back on the same port.
func TestStartStopRestart(t *testing.T) {
	for _, k := range []Kind{Redis, NATS} {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			s := Start(t, k)
			if p := s.port; p == 6379 || p == 4222 {
				t.Fatalf("started on the default port %d", p)
			}
			if !answers(k, s.Addr()) {
				t.Fatalf("%s does not answer on %s", k.name, s.URL())
			}
			if err := s.Stop(); err != nil {
				t.Fatal(err)
			}
			if c, err := net.DialTimeout("tcp", s.Addr(), time.Second); err == nil {
				c.Close()
				t.Fatalf("%s still listens after Stop", s.Addr())
			}
			if err := s.Restart(); err != nil {
				t.Fatal(err)
			}
			if !answers(k, s.Addr()) {
				t.Fatalf("%s does not answer after Restart", k.name)
			}
		})
	}
}

// TestShared: one server per binary, the same for every caller.
func TestShared(t *testing.T) {
	a, b := SharedRedis(t), SharedRedis(t)
	if a != b {
		t.Fatalf("two shared Redis servers: %s, %s", a.URL(), b.URL())
	}
	if n := SharedNATS(t); n.URL() == a.URL() || !answers(NATS, n.Addr()) {
		t.Fatalf("shared NATS %s", n.URL())
	}
}
