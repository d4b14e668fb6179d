package chat_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/duplexio/duplex/cmd/duplex/internal/chat"
	"github.com/duplexio/duplex/parser"
)

func TestRefusedNames(t *testing.T) {
	t.Parallel()
	url, _ := newServer(t, nil)
	tests := []struct {
		name string
		auth any
		want string
	}{
		{"no auth", nil, "a display name is required"},
		{"no name", map[string]any{}, "a display name is required"},
		{"empty", map[string]any{"name": ""}, "a display name is required"},
		{"blank", map[string]any{"name": "   "}, "a display name is required"},
		{"not a string", map[string]any{"name": 42}, "a display name is required"},
		{"33 characters", map[string]any{"name": strings.Repeat("é", 33)}, "the display name is longer than 32 characters"},
		{"control character", map[string]any{"name": "a\nb"}, "the display name contains control, invisible or direction-changing characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := refused(t, url, tt.auth); got != tt.want {
				t.Errorf("connect_error %q, want %q", got, tt.want)
			}
		})
	}
}

func TestWelcomeAndPresence(t *testing.T) {
	t.Parallel()
	url, c := newServer(t, nil)
	long := strings.Repeat("n", 32)
	alice := connect(t, url, "  Alice  ")
	if alice.Welcome.Name != "Alice" || len(alice.Welcome.ID) != 17 || len(alice.Welcome.Token) != 43 {
		t.Errorf("welcome %+v: want the trimmed name, a user id and a token", alice.Welcome)
	}
	if want := []chat.User{alice.User()}; !slices.Equal(alice.Welcome.Users, want) {
		t.Errorf("users %v, want %v", alice.Welcome.Users, want)
	}
	alice.Join("lounge")

	bob := connect(t, url, long)
	if want := []chat.User{alice.User(), bob.User()}; !slices.Equal(bob.Welcome.Users, want) {
		t.Errorf("users %v, want %v", bob.Welcome.Users, want)
	}
	if !slices.Equal(bob.Welcome.Rooms, []string{"lounge"}) {
		t.Errorf("rooms %v, want [lounge]", bob.Welcome.Rooms)
	}
	var joined chat.User
	alice.Event(chat.EventUserJoined, &joined)
	if joined != bob.User() {
		t.Errorf("user-joined %+v, want %+v", joined, bob.User())
	}
	bob.None(chat.EventUserJoined) // not about itself
	if n := c.Users(); n != 2 {
		t.Errorf("Users() = %d, want 2", n)
	}

	bob.SIO.Close()
	var left chat.User
	alice.Event(chat.EventUserLeft, &left)
	if left != bob.User() {
		t.Errorf("user-left %+v, want %+v", left, bob.User())
	}
	waitFor(t, "Users() == 1", func() bool { return c.Users() == 1 })
}

func TestPublicMessage(t *testing.T) {
	t.Parallel()
	url, _ := newServer(t, nil)
	alice, bob, carol := connect(t, url, "alice"), connect(t, url, "bob"), connect(t, url, "carol")
	before := time.Now().UnixMilli()
	a := alice.MustSend(map[string]any{"text": "<b>hi</b> all"})
	if a.TS < before || a.TS > time.Now().UnixMilli() {
		t.Errorf("ts %d not now", a.TS)
	}
	want := chat.Message{ID: a.ID, From: alice.User(), Text: "<b>hi</b> all", TS: a.TS}
	for _, c := range []*client{bob, carol} {
		var got chat.Message
		c.Event(chat.EventReceivedMessage, &got)
		if got != want {
			t.Errorf("%s got %+v, want %+v", c.Welcome.Name, got, want)
		}
	}
	alice.None(chat.EventReceivedMessage)
}

func TestMessageRefusals(t *testing.T) {
	t.Parallel()
	url, _ := newServer(t, &chat.Options{MaxTextLength: 10})
	alice, bob := connect(t, url, "alice"), connect(t, url, "bob")
	tests := []struct {
		name string
		msg  any
		want string
	}{
		{"too long", map[string]any{"text": "12345678901"}, "the message is longer than 10 characters"},
		{"empty", map[string]any{"text": ""}, "the message is empty"},
		{"blank", map[string]any{"text": " \n "}, "the message is empty"},
		{"not an object", "hello", "invalid payload"},
		{"room not joined", map[string]any{"text": "hi", "room": "lounge"}, `you are not in room "lounge": join it first`},
		{"unknown user", map[string]any{"text": "hi", "to": "nobody"}, "no such user"},
		{"to a room", map[string]any{"text": "hi", "to": chat.RoomPrefix + "lounge"}, "no such user"},
		{"to oneself", map[string]any{"text": "hi", "to": alice.ID}, "you cannot send a direct message to yourself"},
		{"room and to", map[string]any{"text": "hi", "to": bob.ID, "room": "lounge"}, "a message goes to a room or to a user, not both"},
	}
	for _, tt := range tests {
		var a ack
		alice.Call(&a, chat.EventMessage, tt.msg)
		if a.Error != tt.want || a.ID != "" {
			t.Errorf("%s: ack %+v, want error %q", tt.name, a, tt.want)
		}
	}
	alice.MustSend(map[string]any{"text": "1234567890"}) // exactly the limit
	var got chat.Message
	bob.Event(chat.EventReceivedMessage, &got)
	if got.Text != "1234567890" {
		t.Errorf("bob got %+v, want only the valid message", got)
	}
	bob.None(chat.EventReceivedMessage)
}

// TestInvalidPayloads: a payload of the wrong type, null or none is
// answered "invalid payload" (not the library's generic error, nor a
// timeout), and counts against the user's rate as a valid request does.
func TestInvalidPayloads(t *testing.T) {
	t.Parallel()
	url, _ := newServer(t, &chat.Options{MessageBurst: 5, MessageRate: 0.01}) // the 5 messages below
	alice := connect(t, url, "alice")
	tests := []struct {
		event string
		args  []any
	}{
		{chat.EventMessage, []any{42}},
		{chat.EventMessage, []any{nil}},
		{chat.EventMessage, nil},
		{chat.EventMessage, []any{[]string{"hi"}}},
		{chat.EventMessage, []any{map[string]any{"text": 42}}},
		{chat.EventJoinRoom, []any{7}},
		{chat.EventJoinRoom, nil},
		{chat.EventJoinRoom, []any{map[string]any{"room": "lounge"}}},
		{chat.EventLeaveRoom, []any{true}},
		{chat.EventListRooms, []any{"lounge"}},
		{chat.EventListRooms, []any{map[string]any{"prefix": 1}}},
	}
	for _, tt := range tests {
		var a ack
		alice.Call(&a, tt.event, tt.args...)
		if a.Error != "invalid payload" {
			t.Errorf("%s %v: ack %+v, want error invalid payload", tt.event, tt.args, a)
		}
	}
	if a := alice.Send(map[string]any{"text": "hi"}); a.Error != "you are sending messages too fast: wait a moment" {
		t.Errorf("after invalid messages: ack %+v, want the rate refusal", a)
	}
}

func TestRoomMessages(t *testing.T) {
	t.Parallel()
	url, _ := newServer(t, nil)
	alice, bob, carol := connect(t, url, "alice"), connect(t, url, "bob"), connect(t, url, "carol")
	if h := alice.Join("lounge"); len(h) != 0 {
		t.Errorf("history of a new room: %v", h)
	}
	bob.Join("lounge")
	a := alice.MustSend(map[string]any{"text": "in the lounge", "room": "lounge"})
	var got chat.Message
	bob.Event(chat.EventReceivedMessage, &got)
	want := chat.Message{ID: a.ID, From: alice.User(), Text: "in the lounge", Room: "lounge", TS: a.TS}
	if got != want {
		t.Errorf("bob got %+v, want %+v", got, want)
	}
	carol.None(chat.EventReceivedMessage)
	alice.None(chat.EventReceivedMessage)

	if h := carol.Join("lounge"); !slices.Equal(h, []chat.Message{want}) {
		t.Errorf("carol's history %+v, want %+v", h, want)
	}
	var left ack
	bob.Call(&left, chat.EventLeaveRoom, "lounge")
	if left.Error != "" || left.ID != "" || left.History != nil {
		t.Errorf("leave-room ack %+v, want {}", left)
	}
	if a := bob.Send(map[string]any{"text": "still here?", "room": "lounge"}); a.Error == "" {
		t.Errorf("message to a room left: ack %+v, want an error", a)
	}
	alice.MustSend(map[string]any{"text": "bye bob", "room": "lounge"})
	carol.Event(chat.EventReceivedMessage, &got)
	bob.None(chat.EventReceivedMessage)
}

func TestRoomNames(t *testing.T) {
	t.Parallel()
	url, _ := newServer(t, nil)
	alice := connect(t, url, "alice")
	for _, room := range []any{"", "  ", strings.Repeat("r", 33), "a\tb", 7} {
		for _, event := range []string{chat.EventJoinRoom, chat.EventLeaveRoom} {
			var a ack
			alice.Call(&a, event, room)
			if a.Error == "" {
				t.Errorf("%s %q: ack %+v, want an error", event, room, a)
			}
		}
	}
	alice.Join(strings.Repeat("r", 32))
	alice.Join("spaces are fine")
}

func TestHistoryReplay(t *testing.T) {
	t.Parallel()
	url, _ := newServer(t, &chat.Options{HistorySize: 5})
	alice := connect(t, url, "alice")
	alice.Join("lounge")
	var ids []string
	for i := range 8 {
		ids = append(ids, alice.MustSend(map[string]any{"text": fmt.Sprint(i), "room": "lounge"}).ID)
	}
	bob := connect(t, url, "bob")
	h := bob.Join("lounge")
	var got []string
	for _, m := range h {
		got = append(got, m.ID)
	}
	if !slices.Equal(got, ids[3:]) || h[0].Text != "3" || h[4].Text != "7" {
		t.Errorf("history %+v, want the last 5 messages in order", h)
	}
}

func TestDirectMessage(t *testing.T) {
	t.Parallel()
	url, _ := newServer(t, nil)
	alice, bob, carol := connect(t, url, "alice"), connect(t, url, "bob"), connect(t, url, "carol")
	// Carol tries to listen in on bob's private room: join-room puts her in
	// "room:<bob's id>", not in bob's own room.
	carol.Join(bob.ID)
	a := alice.MustSend(map[string]any{"text": "psst", "to": bob.ID})
	var got chat.Message
	bob.Event(chat.EventReceivedMessage, &got)
	want := chat.Message{ID: a.ID, From: alice.User(), Text: "psst", To: bob.ID, TS: a.TS}
	if got != want {
		t.Errorf("bob got %+v, want %+v", got, want)
	}
	carol.None(chat.EventReceivedMessage)
	alice.None(chat.EventReceivedMessage)
}

func TestTyping(t *testing.T) {
	t.Parallel()
	url, _ := newServer(t, &chat.Options{TypingBurst: 1000}) // volatileEvent may send again
	alice, bob, carol := connect(t, url, "alice"), connect(t, url, "bob"), connect(t, url, "carol")
	var got chat.Typing

	// Volatile: an indicator is dropped for a client whose connection is
	// still writing (its welcome), so send until both have one.
	pending := map[*client]bool{bob: true, carol: true}
	for deadline := time.Now().Add(wait); len(pending) > 0 && time.Now().Before(deadline); {
		alice.Emit(chat.EventTyping)
		for c := range pending {
			if p := c.Find(quiet, isEvent(chat.EventTyping)); p != nil {
				delete(pending, c)
				c.Pending = append([]*parser.Packet{p}, c.Pending...)
				c.Event(chat.EventTyping, &got)
				if got != (chat.Typing{From: alice.User()}) {
					t.Errorf("public typing: %s got %+v", c.Welcome.Name, got)
				}
			}
		}
	}
	for _, c := range []*client{bob, carol} {
		for c.Find(quiet, isEvent(chat.EventTyping)) != nil { // late copies
		}
		if pending[c] {
			t.Errorf("public typing: %s got none", c.Welcome.Name)
		}
	}

	got = chat.Typing{}
	bob.VolatileEvent(&got, func() { alice.Emit(chat.EventTyping, map[string]any{"to": bob.ID}) })
	if got != (chat.Typing{From: alice.User(), To: bob.ID}) {
		t.Errorf("direct typing: got %+v", got)
	}
	carol.None(chat.EventTyping)

	alice.Emit(chat.EventTyping, map[string]any{"room": "lounge"}) // not a member: dropped
	alice.Join("lounge")
	carol.Join("lounge")
	got = chat.Typing{}
	carol.VolatileEvent(&got, func() { alice.Emit(chat.EventTyping, map[string]any{"room": "lounge"}) })
	if got != (chat.Typing{From: alice.User(), Room: "lounge"}) {
		t.Errorf("room typing: got %+v", got)
	}
	bob.None(chat.EventTyping)
	alice.None(chat.EventTyping)
}

// waitFor waits until cond holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestTypingRate: past its bucket a user's typing indicators are dropped.
func TestTypingRate(t *testing.T) {
	t.Parallel()
	url, _ := newServer(t, &chat.Options{TypingBurst: 2, TypingRate: 0.001})
	alice, bob := connect(t, url, "alice"), connect(t, url, "bob")
	for range 10 {
		alice.Emit(chat.EventTyping)
	}
	alice.MustSend(map[string]any{"text": "fence"})
	var m chat.Message
	bob.Event(chat.EventReceivedMessage, &m) // after every indicator that went out
	n := 0
	for bob.Find(0, isEvent(chat.EventTyping)) != nil {
		n++
	}
	if n > 2 {
		t.Errorf("bob got %d typing indicators, want at most the burst of 2", n)
	}
}
