package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/duplexio/duplex/client"
	"github.com/duplexio/duplex/socketio"
)

// received collects the events a client gets, as JSON of their arguments.
func received(s *client.Socket, event string) <-chan string {
	ch := make(chan string, 16)
	s.On(event, func(args client.Args) {
		vals, _ := args.Forward()
		b, _ := json.Marshal(vals)
		ch <- string(b)
	})
	return ch
}

func recv(t *testing.T, ch <-chan string, want string) {
	t.Helper()
	select {
	case got := <-ch:
		if got != want {
			t.Errorf("received %s, want %s", got, want)
		}
	case <-time.After(wait):
		t.Fatalf("nothing received, want %s", want)
	}
}

// none checks that nothing has arrived on ch. Call it after a later emit
// to another client arrived: the same broadcast would have reached ch by
// then.
func none(t *testing.T, ch <-chan string) {
	t.Helper()
	select {
	case got := <-ch:
		t.Errorf("received %s, want nothing", got)
	default:
	}
}

func TestEmitReachesGoClient(t *testing.T) {
	t.Parallel()
	io := socketio.NewServer(nil)
	io.Of("/chat")
	n := startNode(t, io, nil)
	a := dial(t, n.url, "/chat", nil)
	b := dial(t, n.url, "/chat", nil)
	ga, gb := received(a, "news"), received(b, "news")

	status, body := call(t, "POST", n.url+"/api/v1/emit", `{"namespace":"/chat","event":"news","args":[1,"two",{"three":[3]},null]}`)
	expect(t, "emit to all", status, body, http.StatusOK, `{"ok":true}`)
	recv(t, ga, `[1,"two",{"three":[3]},null]`)
	recv(t, gb, `[1,"two",{"three":[3]},null]`)

	// A socket id is a room; except skips.
	status, body = call(t, "POST", n.url+"/api/v1/emit", fmt.Sprintf(`{"namespace":"/chat","rooms":[%q],"event":"news","args":["to a"]}`, a.ID()))
	expect(t, "emit to a", status, body, http.StatusOK, `{"ok":true}`)
	recv(t, ga, `["to a"]`)
	status, body = call(t, "POST", n.url+"/api/v1/emit", fmt.Sprintf(`{"namespace":"/chat","except":[%q],"event":"news"}`, a.ID()))
	expect(t, "emit except a", status, body, http.StatusOK, `{"ok":true}`)
	recv(t, gb, `[]`)
	none(t, ga)
}

func TestEmitCollectsAcks(t *testing.T) {
	t.Parallel()
	n := startNode(t, socketio.NewServer(nil), nil)
	for _, name := range []string{"a", "b"} {
		s := dial(t, n.url, "/", nil)
		s.On("question", func(q string, ack client.AckFunc) { ack(name+" answers "+q, 42) })
	}
	silent := dial(t, n.url, "/", nil)
	silent.On("other", func() {})

	status, body := call(t, "POST", n.url+"/api/v1/emit", `{"event":"question","args":["why"],"except":["`+silent.ID()+`"],"timeout_ms":10000}`)
	var got struct {
		OK       bool              `json:"ok"`
		Acks     []json.RawMessage `json:"acks"`
		TimedOut bool              `json:"timed_out"`
	}
	if err := json.Unmarshal([]byte(body), &got); status != 200 || err != nil {
		t.Fatalf("emit with acks = %d %s (%v)", status, body, err)
	}
	acks := []string{string(got.Acks[0]), string(got.Acks[1])}
	slices.Sort(acks)
	want := []string{`["a answers why",42]`, `["b answers why",42]`}
	if !got.OK || got.TimedOut || len(got.Acks) != 2 || !slices.Equal(acks, want) {
		t.Errorf("emit with acks = %s, want ok, not timed out, acks %v", body, want)
	}

	// The silent client does not answer: the call returns at the timeout
	// with what came.
	status, body = call(t, "POST", n.url+"/api/v1/emit", `{"event":"question","args":["who"],"rooms":["`+silent.ID()+`"],"timeout_ms":200}`)
	expect(t, "emit to a silent client", status, body, http.StatusOK, `{"ok":true,"acks":[],"timed_out":true}`)

	// No sockets: complete at once, no acks.
	status, body = call(t, "POST", n.url+"/api/v1/emit", `{"event":"question","rooms":["nobody"],"timeout_ms":60000}`)
	expect(t, "emit to nobody", status, body, http.StatusOK, `{"ok":true,"acks":[],"timed_out":false}`)
}

// withData makes io's sockets carry data and join a room from their auth.
func withData(io *socketio.Server) {
	io.OnConnection(func(s *socketio.Socket) {
		var auth struct {
			Name string `json:"name"`
		}
		_ = json.Unmarshal(s.Handshake().Auth, &auth)
		s.SetData(map[string]string{"name": auth.Name})
		s.Join("group")
	})
}

func TestSocketsJoinLeaveDisconnect(t *testing.T) {
	t.Parallel()
	io := socketio.NewServer(nil)
	withData(io)
	n := startNode(t, io, nil)
	a := dial(t, n.url, "/", &client.Options{Auth: map[string]string{"name": "ann"}})
	b := dial(t, n.url, "/", &client.Options{Auth: map[string]string{"name": "bob"}})
	first, second := a.ID(), b.ID()
	if second < first {
		first, second = second, first
	}
	entry := func(id, name string, rooms ...string) string {
		rooms = append(rooms, id)
		slices.Sort(rooms)
		r, _ := json.Marshal(rooms)
		return fmt.Sprintf(`{"id":%q,"rooms":%s,"data":{"name":%q},"address":"127.0.0.1"}`, id, r, name)
	}
	names := map[string]string{a.ID(): "ann", b.ID(): "bob"}

	status, body := call(t, "GET", n.url+"/api/v1/sockets", "")
	expect(t, "sockets", status, body, 200, `{"sockets":[`+entry(first, names[first], "group")+`,`+entry(second, names[second], "group")+`]}`)

	status, body = call(t, "POST", n.url+"/api/v1/join", `{"rooms":["`+a.ID()+`"],"join":["vip","staff"]}`)
	expect(t, "join", status, body, 200, `{"ok":true}`)
	status, body = call(t, "GET", n.url+"/api/v1/sockets?namespace=/&room=vip", "")
	expect(t, "sockets in vip", status, body, 200, `{"sockets":[`+entry(a.ID(), "ann", "group", "staff", "vip")+`]}`)
	status, body = call(t, "GET", n.url+"/api/v1/sockets?room=group&except=vip", "")
	expect(t, "sockets in group except vip", status, body, 200, `{"sockets":[`+entry(b.ID(), "bob", "group")+`]}`)

	status, body = call(t, "POST", n.url+"/api/v1/leave", `{"rooms":["vip"],"leave":["vip","group"]}`)
	expect(t, "leave", status, body, 200, `{"ok":true}`)
	status, body = call(t, "GET", n.url+"/api/v1/sockets?room=vip", "")
	expect(t, "sockets in vip after leave", status, body, 200, `{"sockets":[]}`)

	gone := make(chan string, 1)
	b.OnDisconnect(func(reason string) { gone <- reason })
	status, body = call(t, "POST", n.url+"/api/v1/disconnect", `{"rooms":["`+b.ID()+`"],"close":false}`)
	expect(t, "disconnect", status, body, 200, `{"ok":true}`)
	select {
	case reason := <-gone:
		if reason != "io server disconnect" {
			t.Errorf("disconnect reason %q, want io server disconnect", reason)
		}
	case <-time.After(wait):
		t.Fatal("b was not disconnected")
	}
	status, body = call(t, "GET", n.url+"/api/v1/sockets", "")
	expect(t, "sockets after disconnect", status, body, 200, `{"sockets":[`+entry(a.ID(), "ann", "staff")+`]}`)
}
