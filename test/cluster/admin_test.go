package cluster

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/adapter/natsadapter"
	"github.com/duplexio/duplex/adapter/redisadapter"
	"github.com/duplexio/duplex/admin"
	goclient "github.com/duplexio/duplex/client"
	"github.com/duplexio/duplex/socketio"
)

// TestMixedAdmin: a Go node with package admin and a Node node with
// @socket.io/admin-ui's instrument() on one Redis. A UI on either node
// gets both nodes' server_stats and sees both nodes' sockets with their
// transport and client id, and its operations reach the other node.
func TestMixedAdmin(t *testing.T) {
	url, key := redisURL(t), uniqueKey(t)
	g := startGoAdminNode(t, redisAdmin(t, key), "go-node")
	n := startNodeNode(t, url, key, redisadapter.ModeClassic, "ADMIN=node-node")
	waitServers(t, g, 2)
	goC := connectClient(t, g.url, "gopher")
	nC := connectClient(t, n.url, "noder")

	for _, side := range []struct{ name, url string }{{"go", g.url}, {"node", n.url}} {
		t.Run("UIOn"+side.name, func(t *testing.T) {
			ui := dialAdminUI(t, side.url)
			var all []uiSocket
			if err := json.Unmarshal(ui.first(t, "all_sockets"), &all); err != nil {
				t.Fatal(err)
			}
			seen := map[string]int{}
			ui.until(t, "server_stats of both nodes", func(e uiEvent) bool {
				if e.name == "server_stats" {
					var st []struct {
						ServerID     string `json:"serverId"`
						ClientsCount int    `json:"clientsCount"`
					}
					if json.Unmarshal(e.args, &st) == nil {
						seen[st[0].ServerID] = st[0].ClientsCount
					}
				}
				return seen["go-node"] > 0 && seen["node-node"] > 0
			})
			for _, id := range []string{goC.id, nC.id} {
				i := slices.IndexFunc(all, func(s uiSocket) bool { return s.ID == id })
				if i < 0 {
					t.Fatalf("all_sockets lacks %s: %+v", id, all)
				}
				s := all[i]
				if s.Nsp != "/" || s.Transport != "websocket" || len(s.ClientID) != 12 || s.Handshake.Issued < 1e12 {
					t.Errorf("socket %+v", s)
				}
			}
		})
	}

	t.Run("DisconnectFromGoUIReachesNodeClient", func(t *testing.T) {
		ui := dialAdminUI(t, g.url)
		ui.first(t, "config")
		_ = ui.s.Emit("_disconnect", "/", false, nC.id)
		if err := waitDisconnect(nC); err != nil {
			t.Fatal(err)
		}
	})
}

// TestGoAdminCluster: two Go nodes with package admin on one Redis, and
// again on NATS; a UI on
// the first gets both nodes' stats, and the second node's socket with the
// transport and client id that node exported.
func TestGoAdminCluster(t *testing.T) {
	for _, broker := range []string{"redis", "nats"} {
		t.Run(broker, func(t *testing.T) {
			key := uniqueKey(t)
			start := func(id string) *goNode { return startGoAdminNode(t, redisAdmin(t, key), id) }
			if broker == "nats" {
				prefix := "duplex-test." + adapter.RandomID(6)
				start = func(id string) *goNode { return startGoAdminNode(t, natsAdmin(t, prefix), id) }
			}
			testGoAdminCluster(t, start)
		})
	}
}

func testGoAdminCluster(t *testing.T, start func(id string) *goNode) {
	a := start("go-a")
	b := start("go-b")
	waitServers(t, a, 2)
	onB := connectClient(t, b.url, "remote")
	ui := dialAdminUI(t, a.url)
	var all []uiSocket
	if err := json.Unmarshal(ui.first(t, "all_sockets"), &all); err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(all, func(s uiSocket) bool { return s.ID == onB.id })
	if i < 0 {
		t.Fatalf("all_sockets lacks the socket on b: %+v", all)
	}
	if s := all[i]; s.Transport != "websocket" || len(s.ClientID) != 12 || s.Data["name"] != "remote" || s.Data["_admin"] != nil {
		t.Errorf("socket on b: %+v", s)
	}
	seen := map[string]bool{}
	ui.until(t, "server_stats of both nodes", func(e uiEvent) bool {
		var st []struct {
			ServerID string `json:"serverId"`
		}
		if e.name == "server_stats" && json.Unmarshal(e.args, &st) == nil {
			seen[st[0].ServerID] = true
		}
		return seen["go-a"] && seen["go-b"]
	})
}

// clusterAdapter is the adapter of a Go node and what closes it.
type clusterAdapter struct {
	factory adapter.Factory
	closers []func() error
}

// redisAdmin returns a classic Redis adapter on the shared test Redis
// under key.
func redisAdmin(t testing.TB, key string) clusterAdapter {
	t.Helper()
	rc, err := redisadapter.Dial(redisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	b := redisadapter.New(rc, &redisadapter.Options{Key: key, RequestTimeout: 3 * time.Second, Logger: testLogger(t)})
	return clusterAdapter{b.Adapter, []func() error{b.Close, rc.Close}}
}

// natsAdmin returns a NATS adapter on the shared test NATS under prefix.
func natsAdmin(t testing.TB, prefix string) clusterAdapter {
	t.Helper()
	nc, err := natsadapter.Dial(natsURL(t))
	if err != nil {
		t.Fatal(err)
	}
	b := natsadapter.New(nc, &natsadapter.Options{Prefix: prefix, RequestTimeout: 3 * time.Second,
		HeartbeatInterval: time.Second, Logger: testLogger(t)})
	return clusterAdapter{b.Adapter, []func() error{b.Close, func() error { nc.Close(); return nil }}}
}

// startGoAdminNode starts a Go node on ca with package admin, no auth, as id.
func startGoAdminNode(t testing.TB, ca clusterAdapter, id string) *goNode {
	t.Helper()
	a, err := admin.New(&admin.Options{NoAuth: true, ServerID: id})
	if err != nil {
		t.Fatal(err)
	}
	opts := &socketio.Options{Adapter: ca.factory}
	a.Instrument(opts)
	g := serveGoNodeWith(t, opts, append([]func() error{a.Close}, ca.closers...)...)
	a.Start(g.io)
	return g
}

// uiSocket is a socket record of all_sockets.
type uiSocket struct {
	ID        string         `json:"id"`
	ClientID  string         `json:"clientId"`
	Transport string         `json:"transport"`
	Nsp       string         `json:"nsp"`
	Data      map[string]any `json:"data"`
	Handshake struct {
		Issued float64 `json:"issued"`
	} `json:"handshake"`
}

// uiEvent is an event the admin UI got.
type uiEvent struct {
	name string
	args json.RawMessage
}

// adminUI is a socket.io-client connection to a node's /admin, as the UI.
type adminUI struct {
	s      *goclient.Socket
	events chan uiEvent
}

func dialAdminUI(t testing.TB, url string) *adminUI {
	t.Helper()
	m, err := goclient.NewManager(url, &goclient.Options{DisableReconnection: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	ui := &adminUI{s: m.Socket("/admin", nil), events: make(chan uiEvent, 4096)}
	ui.s.OnAny(func(name string, args goclient.Args) {
		vals, _ := args.Forward()
		b, _ := json.Marshal(vals)
		select {
		case ui.events <- uiEvent{name, b}:
		default: // a test that stopped reading
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := ui.s.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	return ui
}

// until reads events until ok holds.
func (ui *adminUI) until(t testing.TB, what string, ok func(uiEvent) bool) {
	t.Helper()
	deadline := time.After(wait)
	for {
		select {
		case e := <-ui.events:
			if ok(e) {
				return
			}
		case <-deadline:
			t.Fatalf("admin UI: no %s", what)
		}
	}
}

// first returns the first argument of the next event named name.
func (ui *adminUI) first(t testing.TB, name string) json.RawMessage {
	t.Helper()
	var arg json.RawMessage
	ui.until(t, name, func(e uiEvent) bool {
		var args []json.RawMessage
		if e.name != name || json.Unmarshal(e.args, &args) != nil || len(args) == 0 {
			return false
		}
		arg = args[0]
		return true
	})
	return arg
}
