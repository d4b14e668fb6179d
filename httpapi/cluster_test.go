package httpapi_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/adapter/redisadapter"
	"github.com/duplexio/duplex/client"
	"github.com/duplexio/duplex/internal/testservice"
	"github.com/duplexio/duplex/socketio"
)

// startClusterNode starts a node on the Redis at url, on channels under
// key. Cleanups run last-in first-out: the server shuts down before its
// broker and Redis client close.
func startClusterNode(t *testing.T, url, key string) *node {
	t.Helper()
	rc, err := redisadapter.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rc.Close() })
	b := redisadapter.New(rc, &redisadapter.Options{Key: key, RequestTimeout: 5 * time.Second})
	t.Cleanup(func() { _ = b.Close() })
	io := socketio.NewServer(&socketio.Options{Adapter: b.Adapter})
	withData(io)
	return startNode(t, io, nil)
}

// TestTwoNodeCluster drives sockets of both nodes through the API of one:
// the API uses the cluster-wide operations, so it works the same as on one
// node. The Redis is this test binary's own (internal/testservice).
func TestTwoNodeCluster(t *testing.T) {
	t.Parallel()
	url := testservice.SharedRedis(t).URL()
	key := "duplex-httpapi-" + adapter.RandomID(6)
	n1, n2 := startClusterNode(t, url, key), startClusterNode(t, url, key)
	a := dial(t, n1.url, "/", &client.Options{Auth: map[string]string{"name": "ann"}})
	b := dial(t, n2.url, "/", &client.Options{Auth: map[string]string{"name": "bob"}})
	ga, gb := received(a, "news"), received(b, "news")
	for _, s := range []*client.Socket{a, b} {
		s.On("question", func(q string, ack client.AckFunc) { ack(q + "!") })
	}
	names := map[string]string{a.ID(): "ann", b.ID(): "bob"}

	// Wait for the nodes to see each other: both sockets listed by node 1.
	var body string
	deadline := time.Now().Add(wait)
	for {
		var status int
		status, body = call(t, "GET", n1.url+"/api/v1/sockets", "")
		var got struct{ Sockets []struct{ ID string } }
		if status == 200 && json.Unmarshal([]byte(body), &got) == nil && len(got.Sockets) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node 1 lists %s, want both sockets", body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	ids := []string{a.ID(), b.ID()}
	slices.Sort(ids)
	want := `{"sockets":[` + clusterEntry(ids[0], names[ids[0]], "group") + `,` + clusterEntry(ids[1], names[ids[1]], "group") + `]}`
	if body != want {
		t.Errorf("node 1 sockets = %s\nwant %s", body, want)
	}

	status, body := call(t, "POST", n1.url+"/api/v1/emit", `{"event":"news","args":["all"]}`)
	expect(t, "emit on node 1", status, body, 200, `{"ok":true}`)
	recv(t, ga, `["all"]`)
	recv(t, gb, `["all"]`)

	status, body = call(t, "POST", n1.url+"/api/v1/join", `{"rooms":["`+b.ID()+`"],"join":["vip"]}`)
	expect(t, "join on node 1", status, body, 200, `{"ok":true}`)
	status, body = call(t, "POST", n2.url+"/api/v1/leave", `{"rooms":["`+b.ID()+`"],"leave":["group"]}`)
	expect(t, "leave on node 2", status, body, 200, `{"ok":true}`)
	status, body = call(t, "GET", n1.url+"/api/v1/sockets?room=vip", "")
	expect(t, "node 1 sockets in vip", status, body, 200, `{"sockets":[`+clusterEntry(b.ID(), "bob", "vip")+`]}`)

	status, body = call(t, "POST", n2.url+"/api/v1/emit", `{"event":"question","args":["hi"],"timeout_ms":10000}`)
	expect(t, "emit with acks on node 2", status, body, 200, `{"ok":true,"acks":[["hi!"],["hi!"]],"timed_out":false}`)

	gone := make(chan string, 1)
	b.OnDisconnect(func(reason string) { gone <- reason })
	status, body = call(t, "POST", n1.url+"/api/v1/disconnect", `{"rooms":["vip"]}`)
	expect(t, "disconnect on node 1", status, body, 200, `{"ok":true}`)
	select {
	case <-gone:
	case <-time.After(wait):
		t.Fatal("the socket on node 2 was not disconnected")
	}
}

func clusterEntry(id, name string, rooms ...string) string {
	rooms = append(rooms, id)
	slices.Sort(rooms)
	r, _ := json.Marshal(rooms)
	return `{"id":"` + id + `","rooms":` + string(r) + `,"data":{"name":"` + name + `"},"address":"127.0.0.1"}`
}
