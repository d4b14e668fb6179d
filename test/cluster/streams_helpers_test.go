package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/duplexio/duplex/adapter/redisadapter"
	"github.com/duplexio/duplex/internal/eiotest"
	"github.com/duplexio/duplex/parser"
	"github.com/duplexio/duplex/socketio"
)

// recoveryWindow is the maxDisconnectionDuration of the streams tests.
const recoveryWindow = time.Minute

// streamsOptions are the redisadapter options of a streams-mode node of
// the test cluster key: stream, channels and session keys of its own.
func streamsOptions(key string) *redisadapter.Options {
	return &redisadapter.Options{Key: key, Mode: redisadapter.ModeStreams, StreamName: key,
		SessionKeyPrefix: key + ":session:", RequestTimeout: 3 * time.Second}
}

// startStreamsNode starts a Go node in streams mode with connection state
// recovery on.
func startStreamsNode(t testing.TB, url, key string) *goNode {
	t.Helper()
	return startStreamsNodeOpts(t, url, streamsOptions(key))
}

// startStreamsNodeOpts is startStreamsNode with the adapter's options.
func startStreamsNodeOpts(t testing.TB, url string, o *redisadapter.Options) *goNode {
	t.Helper()
	client, err := redisadapter.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	o.Logger = testLogger(t)
	b := redisadapter.New(client, o)
	g := serveGoNodeWith(t, &socketio.Options{Adapter: b.Adapter,
		ConnectionStateRecovery: &socketio.RecoveryOptions{MaxDisconnectionDuration: recoveryWindow}},
		b.Close, client.Close)
	g.broker = b
	return g
}

// session is what a recovering client keeps: its socket id, private
// session id and the offset of the last packet it got.
type session struct {
	sid, pid, offset string
}

// connectRecovering connects a raw client with the auth a socket.io
// client sends (name, and pid and offset when it recovers), returns it
// with the CONNECT answer's session and the packets that came before it.
func connectRecovering(t testing.TB, url, name string, prev *session) (*client, session, []*parser.Packet) {
	t.Helper()
	c := eiotest.DialSIO(t, url, eiotest.Options{Transport: "websocket"})
	auth := map[string]string{"name": name}
	if prev != nil {
		auth["pid"], auth["offset"] = prev.pid, prev.offset
	}
	p, err := c.Connect("/", auth)
	if err != nil || p.Type != parser.Connect {
		t.Fatalf("connect %s: %v %v", url, p, err)
	}
	var d struct {
		SID string `json:"sid"`
		PID string `json:"pid"`
	}
	_ = json.Unmarshal(p.Data, &d)
	var before []*parser.Packet
	for {
		q, err := c.Next(0)
		if err != nil {
			break
		}
		before = append(before, q)
	}
	return &client{SIO: c, id: d.SID}, session{sid: d.SID, pid: d.PID}, before
}

// args decodes an EVENT's data.
func args(t testing.TB, p *parser.Packet) []any {
	t.Helper()
	var v []any
	if err := json.Unmarshal(p.Data, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// lastString is the last argument of an EVENT: its offset, with recovery.
func lastString(t testing.TB, p *parser.Packet) string {
	t.Helper()
	v := args(t, p)
	s, _ := v[len(v)-1].(string)
	return s
}

// waitSession waits until the session pid is persisted in Redis.
func waitSession(t testing.TB, url, key, pid string) {
	t.Helper()
	waitSessionKey(t, url, key+":session:"+pid)
}

// waitSessionKey waits until the key of a session exists.
func waitSessionKey(t testing.TB, url, skey string) {
	t.Helper()
	rc, err := redisadapter.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	eventually(t, "session persisted", func() error {
		n, err := rc.Exists(context.Background(), skey).Result()
		if err != nil || n != 1 {
			return fmt.Errorf("session %s: %d, %v", skey, n, err)
		}
		return nil
	})
}
