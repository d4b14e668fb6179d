package cluster

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/duplexio/duplex/adapter/redisadapter"
	"github.com/duplexio/duplex/internal/eiotest"
	"github.com/duplexio/duplex/parser"
	"github.com/duplexio/duplex/socketio"
)

// TestStreamsClusterOps: the cluster operations between Go nodes in
// streams mode (stream entries and Pub/Sub requests).
func TestStreamsClusterOps(t *testing.T) {
	t.Parallel()
	url, key := redisURL(t), uniqueKey(t)
	a, b := startStreamsNode(t, url, key), startStreamsNode(t, url, key)
	waitServers(t, a, 2)
	ca, _, _ := connectRecovering(t, a.url, "ca", nil)
	cb, _, _ := connectRecovering(t, b.url, "cb", nil)
	ca.join(t, "r")
	waitInRoom(t, b, ca.id, "r")

	if err := b.io.Of("/").To("r").Emit("to-r", 1, []byte{1, 2}); err != nil {
		t.Fatal(err)
	}
	p := ca.event(t, "to-r")
	if len(p.Attachments) != 1 || lastString(t, p) == "" {
		t.Errorf("binary broadcast: %s %v", p.Data, p.Attachments)
	}
	_ = a.io.Of("/").Except("r").Emit("not-r")
	if got := cb.firstEvent(t); got != "not-r" {
		t.Errorf("cb got %q first", got)
	}
	acks, err := a.io.Of("/").ServerSideEmitWithAck(context.Background(), "ping-go", 1)
	if err != nil || len(acks) != 1 || string(acks[0]) != "11" {
		t.Errorf("serverSideEmitWithAck = %s, %v", acks, err)
	}
	a.io.Of("/").In(cb.id).SocketsJoin("j")
	waitInRoom(t, a, cb.id, "j")
	b.io.Of("/").In("j").DisconnectSockets(false)
	if p, err := cb.Next(wait); err != nil || p.Type != 1 {
		t.Errorf("cb after disconnectSockets: %v %v", p, err)
	}
}

// waitInRoom waits until node g's fetchSockets shows id in room.
func waitInRoom(t testing.TB, g *goNode, id, room string) {
	t.Helper()
	eventually(t, "socket in room", func() error {
		ss, err := g.io.Of("/").In(room).FetchSockets(context.Background())
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(ss, func(s *socketio.RemoteSocket) bool { return s.ID == id }) {
			return fmt.Errorf("%s not in %s", id, room)
		}
		return nil
	})
}

// TestStreamsRecoveryAcrossNodes: a client cut from one Go node recovers
// on another with its id, rooms and data and the broadcasts it missed, in
// stream order, each with its offset; a second attempt with the same pid gets a
// fresh session, as does an offset that is not in the stream.
func TestStreamsRecoveryAcrossNodes(t *testing.T) {
	t.Parallel()
	url, key := redisURL(t), uniqueKey(t)
	a, b := startStreamsNode(t, url, key), startStreamsNode(t, url, key)
	waitServers(t, a, 2)
	c1, s1, _ := connectRecovering(t, a.url, "u1", nil)
	c1.join(t, "r")
	waitInRoom(t, b, c1.id, "r")
	_ = b.io.Of("/").To("r").Emit("m", 1)
	s1.offset = lastString(t, c1.event(t, "m"))
	c1.Close()
	waitSession(t, url, key, s1.pid)

	// An observer in the same room sees the broadcasts live; once it has,
	// they are in the stream for the restore too (a broadcast reaches the
	// stream after Emit returns, as in Node). Live, a node's own broadcast
	// may come before a peer's that is earlier in the stream (local
	// delivery follows the XADD, remote delivery the XREAD), so the live
	// order is not the stream's: the restore gives the stream's.
	observer, _, _ := connectRecovering(t, a.url, "observer", nil)
	observer.join(t, "r")
	waitInRoom(t, b, observer.id, "r")
	_ = b.io.Of("/").To("r").Emit("m", 2)
	_ = a.io.Of("/").Emit("m", 3)
	_ = a.io.Of("/").To("other").Emit("m", 97)
	_ = b.io.Of("/").Except("r").Emit("m", 98)
	_ = a.io.Of("/").To("r").Volatile().Emit("v", 99)
	var live []any
	for range 2 {
		live = append(live, args(t, observer.event(t, "m"))[1])
	}

	c2, s2, before := connectRecovering(t, b.url, "u1-again", &s1)
	if s2.sid != s1.sid || s2.pid != s1.pid {
		t.Fatalf("recovered as %+v, want sid %s pid %s", s2, s1.sid, s1.pid)
	}
	var got []any
	last := s1.offset
	for _, p := range before {
		if eiotest.EventName(p) == "m" {
			got = append(got, args(t, p)[1])
			off := lastString(t, p)
			if !streamIDLess(last, off) {
				t.Errorf("offset %q after %q: not in stream order", off, last)
			}
			last = off
		}
	}
	if len(got) != 2 || !slices.ContainsFunc(got, func(v any) bool { return fmt.Sprint(v) == fmt.Sprint(live[0]) }) ||
		!slices.ContainsFunc(got, func(v any) bool { return fmt.Sprint(v) == fmt.Sprint(live[1]) }) {
		t.Errorf("missed = %v, want the two seen live (%v), in stream order", got, live)
	}
	_ = a.io.Of("/").To("r").Emit("after", 4)
	c2.event(t, "after")
	ss, err := a.io.Of("/").In(s1.sid).FetchSockets(context.Background())
	if err != nil || len(ss) != 1 || fmt.Sprint(ss[0].Data) != "map[name:u1 node:go]" {
		t.Errorf("fetchSockets = %d sockets, %v; data %#v", len(ss), err, ss[0].Data)
	}

	_, s3, _ := connectRecovering(t, a.url, "u1-replay", &s1)
	if s3.sid == s1.sid {
		t.Error("a session was restored twice")
	}
	c3, s3b, _ := connectRecovering(t, a.url, "u3", nil)
	c3.Close()
	waitSession(t, url, key, s3b.pid)
	bad := session{pid: s3b.pid, offset: "1-0"}
	if _, s4, _ := connectRecovering(t, b.url, "u3", &bad); s4.sid == s3b.sid {
		t.Error("recovered from an offset that is not in the stream")
	}
}

// TestStreamsKeepSessions: with KeepSessions, a connected socket's session
// is in Redis from its connection on, saved again with its new rooms, and
// gone once the socket leaves on purpose.
func TestStreamsKeepSessions(t *testing.T) {
	t.Parallel()
	url, key := redisURL(t), uniqueKey(t)
	o := streamsOptions(key)
	o.KeepSessions = 100 * time.Millisecond
	g := startStreamsNodeOpts(t, url, o)
	c, s, _ := connectRecovering(t, g.url, "keep", nil)
	waitSession(t, url, key, s.pid)
	c.join(t, "kept-room")
	rc, err := redisadapter.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	eventually(t, "room saved", func() error {
		raw, err := rc.Get(context.Background(), key+":session:"+s.pid).Result()
		if err != nil {
			return err
		}
		if b, _ := base64.StdEncoding.DecodeString(raw); !bytes.Contains(b, []byte("kept-room")) {
			return fmt.Errorf("session without its room: %q", b)
		}
		return nil
	})
	if err := c.SendPacket(&parser.Packet{Type: parser.Disconnect, Namespace: "/"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "session discarded", func() error {
		n, err := rc.Exists(context.Background(), key+":session:"+s.pid).Result()
		if err != nil || n != 0 {
			return fmt.Errorf("session still there: %d, %v", n, err)
		}
		return nil
	})
}

// TestStreamsOffsetTrimmed: once MAXLEN trimmed the entry of a client's
// offset, the client gets a fresh session (recovered=false), not a
// partial replay.
func TestStreamsOffsetTrimmed(t *testing.T) {
	t.Parallel()
	url, key := redisURL(t), uniqueKey(t)
	o := streamsOptions(key)
	o.MaxLen = 10 // MAXLEN ~ trims whole nodes of 100 entries: write well past them
	a, b := startStreamsNodeOpts(t, url, o), startStreamsNode(t, url, key)
	waitServers(t, a, 2)
	c, s, _ := connectRecovering(t, a.url, "old", nil)
	_ = a.io.Of("/").To(c.id).Emit("m", 0)
	s.offset = lastString(t, c.event(t, "m"))
	c.Close()
	waitSession(t, url, key, s.pid)
	for i := range 500 {
		_ = a.io.Of("/").Emit("filler", i)
	}
	rc, err := redisadapter.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	eventually(t, "offset trimmed", func() error {
		if n, err := rc.XLen(context.Background(), key).Result(); err != nil || n > 300 {
			return fmt.Errorf("XLEN %d, %v", n, err)
		}
		if e, err := rc.XRange(context.Background(), key, s.offset, s.offset).Result(); err != nil || len(e) != 0 {
			return fmt.Errorf("offset %s still there: %v", s.offset, err)
		}
		return nil
	})
	if _, s2, before := connectRecovering(t, b.url, "old", &s); s2.sid == s.sid || len(before) != 0 {
		t.Errorf("recovered %s with %d packets from a trimmed offset", s2.sid, len(before))
	}
}

// streamIDLess reports whether stream entry id a ("ms-seq") comes before b.
func streamIDLess(a, b string) bool {
	var am, as, bm, bs uint64
	_, errA := fmt.Sscanf(a, "%d-%d", &am, &as)
	_, errB := fmt.Sscanf(b, "%d-%d", &bm, &bs)
	if errA != nil || errB != nil {
		return false
	}
	return am < bm || am == bm && as < bs
}
