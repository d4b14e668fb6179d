package chat

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/duplexio/duplex/internal/testservice"
)

// redisClient returns a client of a Redis of the test's own.
func redisClient(t *testing.T) *redis.Client {
	t.Helper()
	srv := testservice.StartRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// TestRedisStores: the sessions and histories in Redis keep their bounds
// in bytes, messages and rooms, and the keys they say they use.
func TestRedisStores(t *testing.T) {
	rdb := redisClient(t)
	ctx := context.Background()
	now := time.UnixMilli(1_000_000)
	clock := func() time.Time { return now }

	t.Run("sessions", func(t *testing.T) {
		one := &session{ID: "u1", Name: "alice", Rooms: []string{"lounge"}}
		s := &redisSessions{brk: &breaker{}, rdb: rdb, prefix: "t1:", ttl: time.Minute, maxBytes: 3 * one.size(), now: clock}
		for i := range 4 {
			if err := s.save(ctx, fmt.Sprint("h", i), one); err != nil {
				t.Fatal(err)
			}
		}
		if got, _ := s.load(ctx, "h0"); got != nil {
			t.Error("the session expiring first outlived the byte bound")
		}
		if got, err := s.load(ctx, "h3"); err != nil || got == nil || got.Name != "alice" || got.Rooms[0] != "lounge" {
			t.Errorf("load = %+v, %v", got, err)
		}
		if n, _ := rdb.Get(ctx, "t1:session-bytes").Int(); n > 3*one.size() {
			t.Errorf("%d bytes of sessions, over %d", n, 3*one.size())
		}
		if ttl := rdb.PTTL(ctx, "t1:session:h3").Val(); ttl <= 0 || ttl > time.Minute {
			t.Errorf("a session's TTL is %v, want a minute", ttl)
		}
		_ = s.remove(ctx, "h3")
		if got, _ := s.load(ctx, "h3"); got != nil {
			t.Error("a removed session was loaded")
		}
	})

	t.Run("histories", func(t *testing.T) {
		o := (&Options{HistorySize: 5, HistoryRoomBytes: 600, HistoryBytes: 2000, MaxRooms: 3, Now: clock}).withDefaults()
		h := &redisHistory{brk: &breaker{}, rdb: rdb, prefix: "t2:", opts: &o}
		for i := range 8 {
			if err := h.append("a", Message{ID: fmt.Sprint(i), Text: "short"}); err != nil {
				t.Fatal(err)
			}
		}
		msgs, err := h.load("a")
		if err != nil || len(msgs) != 5 || msgs[0].ID != "3" || msgs[4].ID != "7" {
			t.Errorf("history %+v, %v: want the last 5", msgs, err)
		}
		_ = h.append("a", Message{ID: "big", Text: strings.Repeat("x", 400)})
		if msgs, _ = h.load("a"); jsonSize(msgs) > 600 || msgs[len(msgs)-1].ID != "big" {
			t.Errorf("history of %d bytes, want at most 600 with the latest message", jsonSize(msgs))
		}
		for i, room := range []string{"b", "c", "d"} {
			now = now.Add(time.Duration(i+1) * time.Second)
			_ = h.append(room, Message{ID: room, Text: "hi"})
		}
		if msgs, _ = h.load("a"); len(msgs) != 0 {
			t.Errorf("the room quiet the longest kept %d messages past MaxRooms", len(msgs))
		}
		if rooms, _ := h.recent(10); strings.Join(rooms, ",") != "d,c,b" {
			t.Errorf("recent = %v, want d,c,b", rooms)
		}
		if n, _ := rdb.Get(ctx, "t2:history-bytes").Int(); n > 2000 || n <= 0 {
			t.Errorf("%d bytes of history, want within (0, 2000]", n)
		}
	})
}

// TestBreakerCallerGaveUp: an operation whose caller gave up (a client
// that left mid-save) says nothing of Redis and leaves the breaker closed;
// one that could not reach Redis opens it. TestRedisDown failed about one
// run in two when a canceled save opened the breaker for every user.
func TestBreakerCallerGaveUp(t *testing.T) {
	var b breaker
	ran := 0
	op := func() error { ran++; return nil }
	_ = b.do(func() error { return fmt.Errorf("save: %w", context.Canceled) })
	if err := b.do(op); err != nil || ran != 1 {
		t.Fatalf("after a canceled operation: %v, ran %d", err, ran)
	}
	_ = b.do(func() error { return context.DeadlineExceeded })
	if err := b.do(op); !errors.Is(err, errRedisDown) || ran != 1 {
		t.Fatalf("after a timeout: %v, ran %d; want errRedisDown without running", err, ran)
	}
}
