package admin_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/duplexio/duplex/admin"
	"github.com/duplexio/duplex/client"
)

func TestNewNeedsAuthOrNoAuth(t *testing.T) {
	t.Parallel()
	if _, err := admin.New(&admin.Options{}); !errors.Is(err, admin.ErrNoAuth) {
		t.Errorf("New without auth: %v, want ErrNoAuth", err)
	}
	_, err := admin.New(&admin.Options{Auth: &admin.BasicAuth{Username: "a", PasswordHash: "plain"}})
	if err == nil || !strings.Contains(err.Error(), "bcrypt hash") {
		t.Errorf("New with a plain password: %v, want a bcrypt hash error", err)
	}
}

func TestLoginSessionAndRefusal(t *testing.T) {
	t.Parallel()
	_, url := startAdmin(t, nil)

	for _, auth := range []any{
		map[string]any{"username": "admin", "password": "wrong"},
		map[string]any{"username": "root", "password": "s3cret"},
		map[string]any{"sessionId": nil},
		map[string]any{"sessionId": "0123456789abcdef"},
		nil,
	} {
		_, err := dialUI(t, url, auth)
		var ce *client.ConnectError
		if !errors.As(err, &ce) || ce.Message != "invalid credentials" {
			t.Errorf("auth %v: %v, want the connect error \"invalid credentials\"", auth, err)
		}
	}

	u, err := dialUI(t, url, map[string]any{"username": "admin", "password": "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	var sid []string
	if err := json.Unmarshal(u.next(t, "session"), &sid); err != nil || len(sid) != 1 || len(sid[0]) != 16 {
		t.Fatalf("session: %v %v, want one id of 16 hex digits", sid, err)
	}
	var cfg []struct {
		SupportedFeatures []string `json:"supportedFeatures"`
	}
	if err := json.Unmarshal(u.next(t, "config"), &cfg); err != nil {
		t.Fatal(err)
	}
	want := []string{"EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT", "AGGREGATED_EVENTS", "ALL_EVENTS"}
	if !slices.Equal(cfg[0].SupportedFeatures, want) {
		t.Errorf("features %v, want %v", cfg[0].SupportedFeatures, want)
	}

	// The session id alone lets the UI back in.
	if _, err := dialUI(t, url, map[string]any{"sessionId": sid[0]}); err != nil {
		t.Errorf("with the session id: %v", err)
	}
}

func TestReadOnlyAnnouncesNoOperation(t *testing.T) {
	t.Parallel()
	io, url := startAdmin(t, &admin.Options{NoAuth: true, ReadOnly: true, Production: true})
	c := dial(t, url, "/", nil)
	u, err := dialUI(t, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(u.next(t, "config")); got != `[{"supportedFeatures":["AGGREGATED_EVENTS"]}]` {
		t.Errorf("config %s", got)
	}
	// Production mode: the stats only, no socket list nor notifications.
	dial(t, url, "/", nil)
	for _, e := range u.untilStats(t) {
		if e != "server_stats" {
			t.Errorf("production mode sent %s", e)
		}
	}
	_ = u.s.Emit("_disconnect", "/", false, nil)
	_ = u.s.Emit("join", "/", "vip", nil)
	u.next(t, "server_stats") // the operations came before this
	if len(io.Sockets().Sockets()) != 2 || !c.Connected() {
		t.Error("a read-only admin disconnected a client")
	}
	if rooms := io.Sockets().Sockets()[0].Rooms(); slices.Contains(rooms, "vip") {
		t.Error("a read-only admin made a client join a room")
	}
}

// A UI that logged in long ago is forgotten past MaxSessions logins.
func TestSessionsBounded(t *testing.T) {
	t.Parallel()
	_, url := startAdmin(t, &admin.Options{Auth: &admin.BasicAuth{Username: "admin", PasswordHash: testHash}, MaxSessions: 2})
	login := map[string]any{"username": "admin", "password": "s3cret"}
	var ids []string
	for range 3 {
		u, err := dialUI(t, url, login)
		if err != nil {
			t.Fatal(err)
		}
		var sid []string
		_ = json.Unmarshal(u.next(t, "session"), &sid)
		ids = append(ids, sid[0])
	}
	if _, err := dialUI(t, url, map[string]any{"sessionId": ids[0]}); err == nil {
		t.Error("the oldest session still lets a UI in")
	}
	if _, err := dialUI(t, url, map[string]any{"sessionId": ids[2]}); err != nil {
		t.Errorf("the newest session: %v", err)
	}
}

func TestServerStats(t *testing.T) {
	t.Parallel()
	_, url := startAdmin(t, &admin.Options{NoAuth: true, ServerID: "node-a"})
	dial(t, url, "/", nil)
	u, err := dialUI(t, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	type stats struct {
		ServerID            string  `json:"serverId"`
		Hostname            string  `json:"hostname"`
		PID                 int     `json:"pid"`
		Uptime              float64 `json:"uptime"`
		ClientsCount        int     `json:"clientsCount"`
		PollingClientsCount *int    `json:"pollingClientsCount"`
		AggregatedEvents    []struct {
			Timestamp int64  `json:"timestamp"`
			Type      string `json:"type"`
			Count     int    `json:"count"`
		} `json:"aggregatedEvents"`
		Namespaces []struct {
			Name         string `json:"name"`
			SocketsCount int    `json:"socketsCount"`
		} `json:"namespaces"`
	}
	var got []stats
	// The admin's own connection counts, as in Node.
	u.until(t, "server_stats", func(b json.RawMessage) bool {
		got = nil
		return json.Unmarshal(b, &got) == nil && got[0].ClientsCount == 2
	})
	st := got[0]
	if st.ServerID != "node-a" || st.PID == 0 || st.Hostname == "" || st.PollingClientsCount == nil {
		t.Errorf("stats %+v", st)
	}
	nsps := map[string]int{}
	for _, n := range st.Namespaces {
		nsps[n.Name] = n.SocketsCount
	}
	if nsps["/"] != 1 || nsps["/admin"] != 1 {
		t.Errorf("namespaces %+v, want / and /admin with one socket each", st.Namespaces)
	}
	types := map[string]bool{}
	for _, e := range st.AggregatedEvents {
		types[e.Type] = e.Timestamp%1000 == 0 && e.Count > 0
	}
	if !types["rawConnection"] || !types["packetsIn"] || !types["bytesOut"] {
		t.Errorf("aggregated events %+v", st.AggregatedEvents)
	}
}
