package chat_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/duplexio/duplex/cmd/duplex/internal/chat"
	"github.com/duplexio/duplex/cmd/duplex/internal/chat/chattest"
	"github.com/duplexio/duplex/parser"
	"github.com/duplexio/duplex/socketio"
)

// TestSessionBringsUserBack: a connection presenting the token of a
// session is its user again, with its id, name and rooms, even after the
// previous connection closed; a room message sent at once, before any
// join-room (a page flushing what was typed offline), is delivered. After
// logout the token is no way back.
func TestSessionBringsUserBack(t *testing.T) {
	t.Parallel()
	url, _ := newServer(t, nil)
	alice, bob := connect(t, url, "alice"), connect(t, url, "bob")
	alice.Join("lounge")
	bob.Join("lounge")
	before := alice.MustSend(map[string]any{"text": "before", "room": "lounge"})
	bob.Receive()
	token := alice.Welcome.Token
	alice.SIO.Close()
	var left chat.User
	bob.Event(chat.EventUserLeft, &left)

	back := chattest.ConnectAuth(t, url, map[string]string{"token": token, "name": "ignored"})
	back.Quiet = quiet
	w := back.Welcome
	if w.ID != alice.ID || w.Name != "alice" || w.Token != "" || !slices.Equal(w.Joined, []string{"lounge"}) {
		t.Errorf("back: welcome %+v, want alice's id, name and rooms, no new token", w)
	}
	var joined chat.User
	bob.Event(chat.EventUserJoined, &joined)
	if joined != alice.User() || left != alice.User() {
		t.Errorf("bob saw %v leave and %v come back, want %v", left, joined, alice.User())
	}
	a := back.MustSend(map[string]any{"text": "typed offline", "room": "lounge"})
	if m := bob.Receive(); m.ID != a.ID || m.Room != "lounge" || m.From != alice.User() {
		t.Errorf("bob received %+v", m)
	}
	if h := back.Join("lounge"); len(h) != 2 || h[0].ID != before.ID || h[1].ID != a.ID {
		t.Errorf("history %+v, want the two messages", h)
	}
	// A direct message to alice's id reaches her new connection.
	bob.MustSend(map[string]any{"text": "psst", "to": alice.ID})
	if m := back.Receive(); m.Text != "psst" || m.To != alice.ID {
		t.Errorf("back received %+v", m)
	}

	back.CallAck(chat.EventLogout)
	back.SIO.Close()
	bob.Event(chat.EventUserLeft, &left)
	again := chattest.ConnectAuth(t, url, map[string]string{"token": token, "name": "alice"})
	if again.Welcome.ID == alice.ID || len(again.Welcome.Token) != 43 || len(again.Welcome.Joined) != 0 {
		t.Errorf("after logout: welcome %+v, want a new user", again.Welcome)
	}
}

// TestRoomCreated: the others hear of a room when it gets its first
// member, once.
func TestRoomCreated(t *testing.T) {
	t.Parallel()
	url, _ := newServer(t, nil)
	alice, bob := connect(t, url, "alice"), connect(t, url, "bob")
	var joined chat.User
	alice.Event(chat.EventUserJoined, &joined)
	alice.Join("garden")
	var created chat.RoomCreated
	bob.Event(chat.EventRoomCreated, &created)
	if created.Room != "garden" {
		t.Errorf("room-created %+v, want garden", created)
	}
	alice.None(chat.EventRoomCreated)
	bob.Join("garden")
	alice.None(chat.EventRoomCreated)
}

// TestRecoveredConnection: with connection state recovery, a connection
// that dropped comes back with its socket id, gets the room message it
// missed before the CONNECT answer, and is the same user, in its rooms,
// welcomed again (the others hear it left and came back).
func TestRecoveredConnection(t *testing.T) {
	t.Parallel()
	url, _ := newServerWith(t, &socketio.Options{ConnectionStateRecovery: &socketio.RecoveryOptions{}}, nil)
	alice := chattest.Dial(t, url, "websocket")
	alice.Quiet = quiet
	p, err := alice.SIO.Connect("/", map[string]string{"name": "alice"})
	if err != nil || p.Type != parser.Connect {
		t.Fatalf("connect: %v %v", p, err)
	}
	var first struct{ SID, PID string }
	_ = json.Unmarshal(p.Data, &first)
	alice.Event(chat.EventWelcome, &alice.Welcome)
	alice.ID = alice.Welcome.ID
	alice.Join("lounge")
	bob := connect(t, url, "bob")
	bob.Join("lounge")
	bob.MustSend(map[string]any{"text": "seen", "room": "lounge"})
	seen := alice.Find(wait, isEvent(chat.EventReceivedMessage))
	args := eventArgs(t, seen)
	offset, _ := args[len(args)-1].(string)
	if offset == "" {
		t.Fatalf("received-message %s carries no offset", seen.Data)
	}
	alice.SIO.Close()
	var left chat.User
	bob.Event(chat.EventUserLeft, &left)
	missed := bob.MustSend(map[string]any{"text": "missed", "room": "lounge"})

	back := chattest.Dial(t, url, "websocket")
	back.Quiet = quiet
	p, err = back.SIO.Connect("/", map[string]string{"token": alice.Welcome.Token, "pid": first.PID, "offset": offset})
	if err != nil || p.Type != parser.Connect {
		t.Fatalf("reconnect: %v %v", p, err)
	}
	var again struct{ SID string }
	_ = json.Unmarshal(p.Data, &again)
	if again.SID != first.SID {
		t.Errorf("socket id %q after recovery, want %q", again.SID, first.SID)
	}
	if m := back.Receive(); m.ID != missed.ID {
		t.Errorf("replayed %+v, want the missed message", m)
	}
	back.Event(chat.EventWelcome, &back.Welcome)
	if back.Welcome.ID != alice.ID || !slices.Equal(back.Welcome.Joined, []string{"lounge"}) {
		t.Errorf("welcome %+v, want alice in lounge", back.Welcome)
	}
	var joined chat.User
	bob.Event(chat.EventUserJoined, &joined)
	a := bob.MustSend(map[string]any{"text": "after", "room": "lounge"})
	if m := back.Receive(); m.ID != a.ID {
		t.Errorf("received %+v, want the message after", m)
	}
	bob.MustSend(map[string]any{"text": "direct", "to": alice.ID})
	if m := back.Receive(); m.Text != "direct" {
		t.Errorf("received %+v, want the direct message", m)
	}
}

// eventArgs returns the arguments of an EVENT packet, its name left out.
func eventArgs(t *testing.T, p *parser.Packet) []any {
	t.Helper()
	var all []any
	if p == nil || json.Unmarshal(p.Data, &all) != nil || len(all) < 2 {
		t.Fatalf("not an event with arguments: %v", p)
	}
	return all[1:]
}
