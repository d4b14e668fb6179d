package chat_test

// The abuse suite: one test per attack that let one user hurt the others
// (README.md, "Chat limits"). Each asserts a bound generous enough for a
// loaded 2-core machine and logs the figure it measured (go test -v).

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/cmd/duplex/internal/chat"
	"github.com/duplexio/duplex/cmd/duplex/internal/chat/chattest"
	"github.com/duplexio/duplex/internal/eiotest"
	"github.com/duplexio/duplex/parser"
	"github.com/duplexio/duplex/socketio"
)

// pipeline sends n requests with acks without waiting, then collects the
// acks, decoded, in order.
func pipeline(c *client, n int, event string, arg func(i int) any) []ack {
	c.T.Helper()
	first := c.AckID
	for i := range n {
		id := c.AckID
		c.AckID++
		if err := c.SIO.Emit("/", &id, event, arg(i)); err != nil {
			c.T.Fatalf("emit %s: %v", event, err)
		}
	}
	out := make([]ack, n)
	for i := range n {
		id := first + uint64(i)
		p := c.Find(wait, func(p *parser.Packet) bool { return p.Type == parser.Ack && p.ID == id })
		if p == nil {
			c.T.Fatalf("%s %d: no ack", event, i)
		}
		decodeFirst(c.T, p.Data, &out[i])
	}
	return out
}

// welcomeRooms is the rooms part of a welcome.
type welcomeRooms struct {
	Rooms     []string `json:"rooms"`
	MoreRooms bool     `json:"moreRooms"`
}

// rawWelcome connects and returns the welcome's size in bytes.
func rawWelcome(t *testing.T, url, name string) (int, welcomeRooms) {
	t.Helper()
	c := &client{T: t, Quiet: quiet, SIO: eiotest.DialSIO(t, url, eiotest.Options{Transport: "websocket"})}
	if p, err := c.SIO.Connect("/", map[string]string{"name": name}); err != nil || p.Type != parser.Connect {
		t.Fatalf("connect %q: %v %v", name, p, err)
	}
	p := c.Find(wait, isEvent(chat.EventWelcome))
	if p == nil {
		t.Fatal("no welcome")
	}
	var w welcomeRooms
	var args []json.RawMessage
	if err := json.Unmarshal(p.Data, &args); err != nil || json.Unmarshal(args[1], &w) != nil {
		t.Fatalf("welcome %s", p.Data)
	}
	return len(p.Data), w
}

func errorsOf(acks []ack) (ok, refused int, last string) {
	for _, a := range acks {
		if a.Error == "" {
			ok++
		} else {
			refused++
			last = a.Error
		}
	}
	return ok, refused, last
}

// TestAbuseManyRooms: a user joined 100,000-200,000 rooms and every welcome
// listed them (3-6 MiB). Now a user is in at most MaxRoomsPerUser rooms,
// the welcome lists WelcomeRooms of them, and list-rooms pages the rest.
func TestAbuseManyRooms(t *testing.T) {
	t.Parallel()
	url, _ := newServer(t, nil)
	var attackers []*client
	for a := range 5 {
		c := connect(t, url, fmt.Sprint("attacker", a))
		acks := pipeline(c, chat.DefaultMaxRoomsPerUser+20, chat.EventJoinRoom, func(i int) any { return fmt.Sprintf("junk-%d-%03d", a, i) })
		ok, refused, last := errorsOf(acks)
		want := fmt.Sprintf("you are in %d rooms, the most allowed: leave one first", chat.DefaultMaxRoomsPerUser)
		if ok != chat.DefaultMaxRoomsPerUser || refused != 20 || last != want {
			t.Fatalf("joins: %d accepted, %d refused (%q), want %d and 20 (%q)", ok, refused, last, chat.DefaultMaxRoomsPerUser, want)
		}
		attackers = append(attackers, c)
	}
	size, w := rawWelcome(t, url, "newcomer")
	t.Logf("welcome with 5 users in %d rooms: %d bytes, %d rooms listed", 5*chat.DefaultMaxRoomsPerUser, size, len(w.Rooms))
	if len(w.Rooms) != chat.DefaultWelcomeRooms || !w.MoreRooms || size > 16<<10 {
		t.Errorf("welcome: %d bytes, %d rooms, more=%v: want at most 16 KiB, %d rooms, more", size, len(w.Rooms), w.MoreRooms, chat.DefaultWelcomeRooms)
	}
	// list-rooms finds every room, a page at a time.
	var all []string
	for after := ""; ; {
		var page struct {
			Rooms []string `json:"rooms"`
			Next  string   `json:"next"`
		}
		attackers[0].Call(&page, chat.EventListRooms, map[string]string{"prefix": "junk-", "after": after})
		all = append(all, page.Rooms...)
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	if len(all) != 5*chat.DefaultMaxRoomsPerUser || !slices.IsSorted(all) {
		t.Errorf("list-rooms paged %d rooms (sorted %v), want %d", len(all), slices.IsSorted(all), 5*chat.DefaultMaxRoomsPerUser)
	}
}

// TestAbuseReconnectingAttackerLatency: users in 100,000-200,000 rooms and
// 30 reconnections put a bystander's p99 at 0.7-9.9 s (every welcome
// listed every room, built under the chat's lock). Now the fillers are
// refused past MaxRoomsPerUser, then kicked, and welcomes stay small.
func TestAbuseReconnectingAttackerLatency(t *testing.T) {
	t.Parallel()
	url, _ := newServer(t, nil)
	for a := range 3 {
		c := connect(t, url, fmt.Sprint("filler", a))
		fill(c, a, 20_000)
	}
	size, _ := rawWelcome(t, url, "bystander-probe")
	t.Logf("a welcome after the fillers: %d bytes", size)
	if size > 16<<10 {
		t.Errorf("welcome of %d bytes, want at most 16 KiB", size)
	}
	bystander := connect(t, url, "bystander")
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 30 {
			sio := eiotest.DialSIO(t, url, eiotest.Options{Transport: "websocket"})
			if _, err := sio.Connect("/", map[string]string{"name": fmt.Sprint("again", i)}); err == nil {
				_, _ = sio.NextEvent(wait, chat.EventWelcome)
			}
			sio.Close()
		}
	}()
	var rtts []time.Duration
	for range 150 { // within the request burst
		start := time.Now()
		bystander.Join("lobby")
		rtts = append(rtts, time.Since(start))
	}
	<-done
	slices.Sort(rtts)
	p99 := rtts[len(rtts)*99/100]
	t.Logf("bystander's join-room round trip during 30 reconnections: p50 %v, p99 %v", rtts[len(rtts)/2], p99)
	if p99 > time.Second {
		t.Errorf("p99 %v, want under 1 s", p99)
	}
}

// fill makes c join n rooms, 500 at a time, until one is not answered
// (a kicked client is not).
func fill(c *client, a, n int) {
	for i := 0; i < n; i += 500 {
		var last uint64
		for j := i; j < i+500; j++ {
			last = c.AckID
			c.AckID++
			if c.SIO.Emit("/", &last, chat.EventJoinRoom, fmt.Sprintf("f%d-%d", a, j)) != nil {
				return
			}
		}
		for {
			p, err := c.SIO.Next(wait)
			if err != nil {
				return
			}
			if p.Type == parser.Ack && p.ID == last {
				break
			}
		}
	}
}

// TestAbuseRoomMessageCost: a message to a room cost 23-88 ms of CPU for
// a sender in 100,000 rooms (Socket.Rooms copied and sorted them all);
// the membership check is now Socket.InRoom, O(1). The sender is put in
// the rooms through the library, past the chat's own bound.
func TestAbuseRoomMessageCost(t *testing.T) {
	t.Parallel()
	io := socketio.NewServer(nil)
	chat.Register(io.Sockets(), nil)
	var mu sync.Mutex
	sockets := map[string]*socketio.Socket{}
	io.Sockets().OnConnection(func(s *socketio.Socket) {
		u, _ := s.Data().(chat.User) // set by the chat's handler, which runs first
		mu.Lock()
		sockets[u.ID] = s
		mu.Unlock()
	})
	url := serve(t, io)
	heavy := connect(t, url, "heavy")
	heavy.Join("lobby")
	mu.Lock()
	s := sockets[heavy.ID]
	mu.Unlock()
	rooms := make([]string, 100_000)
	for i := range rooms {
		rooms[i] = fmt.Sprint(chat.RoomPrefix, "x", i)
	}
	s.Join(rooms...)
	n := chat.DefaultMessageBurst
	start := time.Now()
	acks := pipeline(heavy, n, chat.EventMessage, func(i int) any { return map[string]any{"text": "hi", "room": "lobby"} })
	per := time.Since(start) / time.Duration(n)
	if ok, _, last := errorsOf(acks); ok != n {
		t.Fatalf("%d of %d accepted: %s", ok, n, last)
	}
	t.Logf("a room message from a socket in 100,001 rooms: %v per message, round trip included", per)
	if per > 15*time.Millisecond {
		t.Errorf("%v per message, want under 15 ms", per)
	}
}

// serve serves io on an httptest server, shut down by Cleanup.
func serve(t *testing.T, io *socketio.Server) string {
	ts := httptest.NewServer(io)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		_ = io.Shutdown(ctx)
		ts.Close()
	})
	return ts.URL
}

// TestAbuseHistoryAckBytes: 50 messages of 2,000 U+0001 (6 bytes each
// escaped) made each join-room ack ~592 KiB. Control characters are now
// refused and the history, hence the ack, is bounded in bytes.
func TestAbuseHistoryAckBytes(t *testing.T) {
	t.Parallel()
	url, _ := newServer(t, nil)
	if a := connect(t, url, "ctl").Send(map[string]any{"text": strings.Repeat("\x01", 2000)}); a.Error != "the message contains control characters" {
		t.Errorf("2,000 U+0001: ack %+v, want refused", a)
	}
	for w := range 3 {
		c := connect(t, url, fmt.Sprint("writer", w))
		c.Join("big")
		// 4-byte characters: the most bytes an honest text has.
		acks := pipeline(c, 17, chat.EventMessage, func(int) any { return map[string]any{"text": strings.Repeat("😀", 2000), "room": "big"} })
		if ok, _, last := errorsOf(acks); ok != 17 {
			t.Fatalf("writer %d: %d accepted: %s", w, ok, last)
		}
	}
	reader := connect(t, url, "reader")
	id := reader.AckID
	reader.AckID++
	if err := reader.SIO.Emit("/", &id, chat.EventJoinRoom, "big"); err != nil {
		t.Fatal(err)
	}
	p := reader.Find(wait, func(p *parser.Packet) bool { return p.Type == parser.Ack && p.ID == id })
	if p == nil {
		t.Fatal("no ack")
	}
	var a ack
	decodeFirst(t, p.Data, &a)
	t.Logf("join-room ack of a room full of 2,000-character messages: %d bytes, %d messages", len(p.Data), len(a.History))
	if len(p.Data) > chat.DefaultHistoryRoomBytes+1024 || len(a.History) == 0 {
		t.Errorf("ack of %d bytes (%d messages), want at most %d", len(p.Data), len(a.History), chat.DefaultHistoryRoomBytes+1024)
	}
}

// TestAbuseImpersonation: a direct conversation is with a user id; a new
// user taking the name of one who left is someone else, and what is sent
// to the old id reaches nobody.
func TestAbuseImpersonation(t *testing.T) {
	t.Parallel()
	url, _ := newServer(t, nil)
	alice, bob := connect(t, url, "alice"), connect(t, url, "bob")
	alice.MustSend(map[string]any{"text": "hi bob", "to": bob.ID})
	oldBob := bob.ID
	bob.SIO.Close()
	var left chat.User
	alice.Event(chat.EventUserLeft, &left)
	impostor := connect(t, url, "Bob")
	if impostor.ID == oldBob {
		t.Fatal("the new Bob has the old one's id")
	}
	if a := alice.Send(map[string]any{"text": "secret", "to": oldBob}); a.Error != "no such user" {
		t.Errorf("message to the Bob who left: ack %+v, want no such user", a)
	}
	impostor.None(chat.EventReceivedMessage)
}

// TestAbuseLookAlikeNames: two users named "Ada", names with Cyrillic
// look-alikes, a zero-width space or U+202E were all accepted.
func TestAbuseLookAlikeNames(t *testing.T) {
	t.Parallel()
	url, _ := newServer(t, nil)
	ada := connect(t, url, "Ada")
	alice := connect(t, url, "alice")
	for _, name := range []string{"ALICE", "aIice", "\u0430lice"} { // a capital I, a Cyrillic а
		if got := refused(t, url, map[string]string{"name": name}); got != "this display name, or one that looks like it, is taken: choose another" {
			t.Errorf("name %q next to alice: %q", name, got)
		}
	}
	alice.SIO.Close()
	taken := "this display name, or one that looks like it, is taken: choose another"
	bad := "the display name contains control, invisible or direction-changing characters"
	for name, want := range map[string]string{
		"Ada": taken, "ada": taken, "ADA": taken, "AdA": taken, "\u0410da": taken, "Ａｄａ": taken, " Ada ": taken,
		"A\u200bda": bad, "Ada\u202e": bad, "\u202eadA": bad,
	} {
		if got := refused(t, url, map[string]string{"name": name}); got != want {
			t.Errorf("name %q: %q, want %q", name, got, want)
		}
	}
	ada.SIO.Close()
	deadline := time.Now().Add(wait)
	for {
		sio := eiotest.DialSIO(t, url, eiotest.Options{Transport: "websocket"})
		p, err := sio.Connect("/", map[string]string{"name": "ada"})
		if err == nil && p.Type == parser.Connect {
			break // free again once Ada left
		}
		if time.Now().After(deadline) {
			t.Fatal("the name Ada is still taken after she left")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestNameTakeover: a connection presenting the token of the connected
// user of its name replaces it (a page back before the server saw its old
// connection drop), as the same user, with no user-left nor user-joined;
// without the token the name stays taken, and a token nobody was issued
// is no way in.
func TestNameTakeover(t *testing.T) {
	t.Parallel()
	url, _ := newServer(t, nil)
	bob := connect(t, url, "bob")
	first := connect(t, url, "alice")
	var joined chat.User
	bob.Event(chat.EventUserJoined, &joined)
	token := first.Welcome.Token
	if len(token) != 43 {
		t.Fatalf("welcome token %q, want 43 characters", token)
	}
	taken := "this display name, or one that looks like it, is taken: choose another"
	forged := strings.Repeat("A", 43)
	for _, auth := range []map[string]string{{"name": "alice"}, {"name": "Alice", "token": forged}, {"name": "alice", "token": token[1:]}} {
		if got := refused(t, url, auth); got != taken {
			t.Errorf("auth %v: %q, want taken", auth, got)
		}
	}
	second := chattest.ConnectAuth(t, url, map[string]string{"token": token})
	if second.Welcome.ID != first.Welcome.ID || second.Welcome.Name != "alice" || second.Welcome.Token != "" {
		t.Errorf("back with the token: welcome %+v, want alice's id and name and no new token", second.Welcome)
	}
	var kicked struct{ Reason string }
	first.Event(chat.EventKicked, &kicked)
	if kicked.Reason != "you signed in again on another connection, which replaces this one" {
		t.Errorf("the replaced connection: kicked %q", kicked.Reason)
	}
	bob.None(chat.EventUserLeft)
	bob.None(chat.EventUserJoined)
}

// TestAbuseExactKeys: Go's JSON matched keys case-insensitively, so
// {"text":"hello","TEXT":"evil"} delivered "evil" and an auth
// {"name":"alice","NAME":"admin"} named the user admin.
func TestAbuseExactKeys(t *testing.T) {
	t.Parallel()
	url, _ := newServer(t, nil)
	alice := connect(t, url, "alice")
	c := &client{T: t, Quiet: quiet, SIO: eiotest.DialSIO(t, url, eiotest.Options{Transport: "websocket"})}
	if _, err := c.SIO.Connect("/", json.RawMessage(`{"name":"bob","NAME":"admin"}`)); err != nil {
		t.Fatal(err)
	}
	c.Event(chat.EventWelcome, &c.Welcome)
	if c.Welcome.Name != "bob" {
		t.Errorf("name %q, want bob", c.Welcome.Name)
	}
	c.MustSend(map[string]any{"text": "hello", "TEXT": "evil", "Room": "nowhere"})
	var got chat.Message
	alice.Event(chat.EventReceivedMessage, &got)
	if got.Text != "hello" || got.Room != "" {
		t.Errorf("delivered %+v, want the public text hello", got)
	}
}

// TestAbuseFlood: 20,000 public messages of 2,000 characters were
// accepted at 12k/s and disconnected an honest polling user and a slow
// WebSocket reader. Now a flooder gets its burst, then refusals, then a
// kick with the reason; the others stay connected.
func TestAbuseFlood(t *testing.T) {
	t.Parallel()
	url, _ := newServer(t, nil)
	poller := &client{T: t, Quiet: quiet, SIO: eiotest.DialSIO(t, url, eiotest.Options{Transport: "polling"})}
	if _, err := poller.SIO.Connect("/", map[string]string{"name": "poller"}); err != nil {
		t.Fatal(err)
	}
	poller.Event(chat.EventWelcome, &poller.Welcome)
	slow := connect(t, url, "slow") // reads nothing during the flood
	text := strings.Repeat("f", 2000)

	// Flooders that never read, sending until they are disconnected.
	start := time.Now()
	var wg sync.WaitGroup
	var sent atomic.Int64
	for f := range 3 {
		c := connect(t, url, fmt.Sprint("flooder", f))
		wg.Go(func() {
			for range 20_000 {
				if c.SIO.Emit("/", nil, chat.EventMessage, map[string]any{"text": text}) != nil {
					return
				}
				sent.Add(1)
			}
		})
	}
	// One that reads its answers: exactly enough to be kicked (a server
	// closing with unread input resets the connection, losing the rest).
	reader := connect(t, url, "flooder-reader")
	n := chat.DefaultMessageBurst + chat.DefaultMaxRefusals + 1
	for i := range n {
		id := uint64(i)
		if err := reader.SIO.Emit("/", &id, chat.EventMessage, map[string]any{"text": text}); err != nil {
			t.Fatal(err)
		}
	}
	accepted, refusals, reason := readFlood(t, reader, n)
	for extra := 0; reason == "" && extra < 100; extra++ {
		// Slower than planned (a token came back meanwhile): one more at
		// a time, each answered before the next, until the kick.
		id := uint64(n + extra)
		if reader.SIO.Emit("/", &id, chat.EventMessage, map[string]any{"text": text}) != nil {
			break
		}
		a, r, why := readFlood(t, reader, 1)
		accepted, refusals, reason = accepted+a, refusals+r, why
	}
	wg.Wait()
	t.Logf("flood: %d messages sent by 3 flooders in %v; the reading one: %d accepted, %d refused, kicked: %q",
		sent.Load(), time.Since(start), accepted, refusals, reason)
	if reason != "disconnected: too many requests refused for their rate" {
		t.Errorf("kicked with %q, want the reason", reason)
	}
	if accepted > chat.DefaultMessageBurst+int(time.Since(start).Seconds()*chat.DefaultMessageRate)+1 {
		t.Errorf("%d accepted: over the rate", accepted)
	}
	if refusals > 0 && refusals < chat.DefaultMessageBurst {
		t.Errorf("%d refusals before the kick, want about %d", refusals, chat.DefaultMaxRefusals)
	}
	poller.MustSend(map[string]any{"text": "still here"})
	slow.MustSend(map[string]any{"text": "me too"})
	for c, want := range map[*client]string{poller: "me too", slow: "still here"} {
		for m := (chat.Message{}); m.Text != want; {
			c.Event(chat.EventReceivedMessage, &m)
		}
	}
}

// readFlood reads a flooder's packets until it has n acks, or a kick and
// the connection's end.
func readFlood(t *testing.T, c *client, n int) (accepted, refusals int, reason string) {
	for accepted+refusals < n || reason != "" {
		p, err := c.SIO.Next(wait)
		if err != nil {
			return
		}
		switch {
		case p.Type == parser.Ack:
			var a ack
			decodeFirst(t, p.Data, &a)
			if a.Error == "" {
				accepted++
			} else if a.Error == "you are sending messages too fast: wait a moment" {
				refusals++
			} else {
				t.Errorf("refused for %q", a.Error)
			}
		case p.Type == parser.Event && eiotest.EventName(p) == chat.EventKicked:
			var args []json.RawMessage
			var k struct{ Reason string }
			if json.Unmarshal(p.Data, &args) != nil || len(args) != 2 || json.Unmarshal(args[1], &k) != nil {
				t.Errorf("kicked %s", p.Data)
			}
			reason = k.Reason
		}
	}
	return
}

// TestAbuseJunkRoomsEviction: 1000 junk rooms with one message each
// evicted the general room's history in 0.1 s. Eviction now picks the
// quiet room with the fewest members.
func TestAbuseJunkRoomsEviction(t *testing.T) {
	t.Parallel()
	url, _ := newServer(t, &chat.Options{MaxRooms: 100})
	alice, bob := connect(t, url, "alice"), connect(t, url, "bob")
	alice.Join("general")
	bob.Join("general")
	for i := range 5 {
		alice.MustSend(map[string]any{"text": fmt.Sprint("general ", i), "room": "general"})
	}
	for a := range 10 {
		c := connect(t, url, fmt.Sprint("junk", a))
		pipeline(c, chat.DefaultMessageBurst, chat.EventJoinRoom, func(i int) any { return fmt.Sprintf("j%d-%d", a, i) })
		acks := pipeline(c, chat.DefaultMessageBurst, chat.EventMessage, func(i int) any {
			return map[string]any{"text": "junk", "room": fmt.Sprintf("j%d-%d", a, i)}
		})
		if ok, _, last := errorsOf(acks); ok != chat.DefaultMessageBurst {
			t.Fatalf("junk %d: %d accepted: %s", a, ok, last)
		}
	}
	carol := connect(t, url, "carol")
	if h := carol.Join("general"); len(h) != 5 {
		t.Errorf("general's history after 200 junk rooms: %d messages, want 5", len(h))
	}
}

// countingAdapter counts the cluster look-ups the chat makes.
type countingAdapter struct {
	adapter.Adapter
	fetches *atomic.Int64
}

func (a countingAdapter) FetchSockets(ctx context.Context, opts *adapter.BroadcastOptions) ([]adapter.SocketInfo, error) {
	a.fetches.Add(1)
	return a.Adapter.FetchSockets(ctx, opts)
}

// TestAbuseTypingToNobody: a typing indicator to a user nobody knows cost
// 3-4 Redis commands on a cluster (a FetchSockets); it is now dropped
// after a local look-up.
func TestAbuseTypingToNobody(t *testing.T) {
	t.Parallel()
	var fetches atomic.Int64
	io := socketio.NewServer(&socketio.Options{Adapter: func(ns adapter.Namespace) adapter.Adapter {
		return countingAdapter{adapter.NewMemory(ns), &fetches}
	}})
	chat.Register(io.Sockets(), nil)
	url := serve(t, io)
	alice := connect(t, url, "alice")
	bob := connect(t, url, "bob")
	before := fetches.Load()
	for i := range chat.DefaultTypingBurst {
		alice.Emit(chat.EventTyping, map[string]any{"to": fmt.Sprint("nobody", i)})
	}
	alice.MustSend(map[string]any{"text": "fence"}) // the typings were handled
	bob.None(chat.EventTyping)
	if n := fetches.Load() - before; n != 0 {
		t.Errorf("%d cluster look-ups for typing to nobody, want 0", n)
	}
}

// TestAbusePipelinedJoins: a room full of large messages, then join-room
// requests pipelined without reading: each ack was ~592 KiB and 2
// connections pinned 1 GiB. Acks are now bounded in bytes and the
// requests by the rate; past it the client is kicked.
func TestAbusePipelinedJoins(t *testing.T) {
	t.Parallel()
	url, _ := newServer(t, nil)
	for w := range 4 {
		c := connect(t, url, fmt.Sprint("writer", w))
		c.Join("big")
		pipeline(c, 15, chat.EventMessage, func(int) any { return map[string]any{"text": strings.Repeat("😀", 2000), "room": "big"} })
	}
	attacker := connect(t, url, "attacker")
	start := time.Now()
	const n = 300
	for i := range n {
		id := uint64(i)
		if attacker.SIO.Emit("/", &id, chat.EventJoinRoom, "big") != nil {
			break
		}
	}
	acks, ackBytes, kicked := 0, 0, false
	for {
		p, err := attacker.SIO.Next(wait)
		if err != nil {
			break
		}
		switch {
		case p.Type == parser.Ack:
			acks++
			ackBytes += len(p.Data)
		case p.Type == parser.Event && eiotest.EventName(p) == chat.EventKicked:
			kicked = true
		}
	}
	t.Logf("%d pipelined join-room: %d answered, %d KiB of answers, kicked %v", n, acks, ackBytes>>10, kicked)
	// The burst, what the rate gave back meanwhile (a loaded machine is
	// slow to answer 300 requests), and the refusals before the kick.
	allowed := chat.DefaultRequestBurst + int(time.Since(start).Seconds()*chat.DefaultRequestRate) + chat.DefaultMaxRefusals + 10
	if limit := allowed * (chat.DefaultHistoryRoomBytes + 1024); ackBytes > limit {
		t.Errorf("%d bytes of answers, want at most %d", ackBytes, limit)
	}
	if acks < n && !kicked {
		t.Errorf("%d of %d answered, without a kick", acks, n)
	}
}
