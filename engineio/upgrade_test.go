package engineio_test

import (
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/engineio/packet"
	"github.com/duplexio/duplex/internal/eiotest"
)

func TestUpgrade(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, true)
	c, r := e.dial(t, eiotest.Options{})
	if err := c.SendText("before"); err != nil {
		t.Fatal(err)
	}
	if p, err := c.Recv(wait); err != nil || string(p.Data) != "before" {
		t.Fatalf("echo before: %v %q", err, p.Data)
	}
	c.Upgrade(t)
	if err := c.Send(packet.Packet{Type: packet.Message, Data: []byte("after")}, packet.Packet{Type: packet.Message, Data: []byte{9}, Binary: true}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"after", "\x09"} {
		if p, err := c.Recv(wait); err != nil || string(p.Data) != want {
			t.Fatalf("echo after: %v %q, want %q", err, p.Data, want)
		}
	}
	if got := r.s.Transport(); got != "websocket" {
		t.Errorf("Transport() %q after upgrade", got)
	}
	// Polling is over for this session.
	checkError(t, do(t, "GET", c.URL("polling"), "", nil), 400, `{"code":3,"message":"Bad request"}`)
	checkError(t, do(t, "POST", c.URL("polling"), "4x", nil), 400, `{"code":3,"message":"Bad request"}`)
}

// The upgrade step by step, as engine.io-client does it.
func TestUpgradeByHand(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, false)
	sid, url, r := handshake(t, e)
	pending := pollAsync(t, url)
	waitPolling(t, r.s)

	ws := dialRaw(t, e.wsURL("EIO=4&transport=websocket&sid="+sid), nil)
	if err := ws.WriteText("2probe"); err != nil {
		t.Fatal(err)
	}
	expectFrame(t, ws, "3probe", false)
	if got := await(t, pending); got.status != 200 || got.body != "6" {
		t.Errorf("pending poll answered %d %q, want the noop \"6\"", got.status, got.body)
	}
	if got := r.s.Transport(); got != "polling" {
		t.Errorf("Transport() %q before the upgrade packet", got)
	}
	// Written before "5": still queued for whichever transport takes it.
	if err := r.s.Write(engineio.Message{Data: []byte("queued")}); err != nil {
		t.Fatal(err)
	}
	if err := ws.WriteText("5"); err != nil {
		t.Fatal(err)
	}
	expectFrame(t, ws, "4queued", false)
	if got := r.s.Transport(); got != "websocket" {
		t.Errorf("Transport() %q after the upgrade packet", got)
	}
	if err := ws.WriteText("4over ws"); err != nil {
		t.Fatal(err)
	}
	if m := r.nextMsg(t); m.data != "over ws" {
		t.Errorf("received %q", m.data)
	}
}

// Messages written all along an upgrade arrive once each, in order, over
// whichever transport carried them.
func TestUpgradeOrdering(t *testing.T) {
	t.Parallel()
	for _, n := range []int{100, 2000} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil, false)
			c, r := e.dial(t, eiotest.Options{})
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range n {
					if err := r.s.Write(engineio.Message{Data: []byte(strconv.Itoa(i))}); err != nil {
						t.Errorf("Write %d: %v", i, err)
						return
					}
					if i%10 == 0 {
						time.Sleep(100 * time.Microsecond)
					}
				}
			}()
			c.Upgrade(t)
			for i := range n {
				p, err := c.Recv(wait)
				if err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
				if p.Type != packet.Message || string(p.Data) != strconv.Itoa(i) {
					t.Fatalf("message %d: got %v %q", i, p.Type, p.Data)
				}
			}
			wg.Wait()
			if p, err := c.Recv(50 * time.Millisecond); err == nil {
				t.Errorf("extra packet %v %q", p.Type, p.Data)
			}
			eventually(t, "Transport() == websocket", func() bool { return r.s.Transport() == "websocket" })
		})
	}
}

func TestUpgradeProbeDropped(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		frames []string
	}{
		{"message instead of probe", []string{"4hello"}},
		{"message after probe", []string{"2probe", "4hello"}},
		{"wrong probe", []string{"2prob"}},
		{"garbage", []string{"x"}},
		{"close", []string{"1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil, false)
			sid, url, r := handshake(t, e)
			ws := dialRaw(t, e.wsURL("EIO=4&transport=websocket&sid="+sid), nil)
			for _, f := range tt.frames {
				if err := ws.WriteText(f); err != nil {
					t.Fatal(err)
				}
			}
			expectClosed(t, ws)
			stillPolling(t, url, r)
		})
	}
}

// stillPolling checks that a session survived a failed upgrade on polling.
func stillPolling(t testing.TB, url string, r *rec) {
	t.Helper()
	if got := r.s.Transport(); got != "polling" {
		t.Errorf("Transport() %q", got)
	}
	if resp := do(t, "POST", url, "4still", nil); resp.body != "ok" {
		t.Fatalf("POST answered %d %q", resp.status, resp.body)
	}
	if m := r.nextMsg(t); m.data != "still" {
		t.Errorf("received %q, want \"still\" (the probe's messages must not arrive)", m.data)
	}
	if err := r.s.Write(engineio.Message{Data: []byte("back")}); err != nil {
		t.Fatal(err)
	}
	// The probe may have queued a noop before it failed.
	if resp := do(t, "GET", url, "", nil); resp.body != "4back" && resp.body != "6\x1e4back" {
		t.Errorf("poll answered %d %q, want \"4back\"", resp.status, resp.body)
	}
}

func TestUpgradeTimeout(t *testing.T) {
	t.Parallel()
	for _, probe := range []bool{false, true} {
		t.Run("probe="+strconv.FormatBool(probe), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, &engineio.Options{UpgradeTimeout: 100 * time.Millisecond}, false)
			sid, url, r := handshake(t, e)
			ws := dialRaw(t, e.wsURL("EIO=4&transport=websocket&sid="+sid), nil)
			if probe {
				if err := ws.WriteText("2probe"); err != nil {
					t.Fatal(err)
				}
				expectFrame(t, ws, "3probe", false)
			}
			expectClosed(t, ws) // no "5" in time
			stillPolling(t, url, r)
		})
	}
}

func TestUpgradeRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, false)
	sid, url, r := handshake(t, e)

	// A second probe while one is under way.
	ws := dialRaw(t, e.wsURL("EIO=4&transport=websocket&sid="+sid), nil)
	if err := ws.WriteText("2probe"); err != nil {
		t.Fatal(err)
	}
	expectFrame(t, ws, "3probe", false)
	expectClosed(t, dialRaw(t, e.wsURL("EIO=4&transport=websocket&sid="+sid), nil)) // handshake, then closed

	// From another site (no CORS option).
	h := wsHeader()
	h.Set("Origin", "https://evil.example")
	checkError(t, do(t, "GET", e.url("EIO=4&transport=websocket&sid="+sid), "", h), 400, `{"code":3,"message":"Bad request"}`)

	ws.Close()
	stillPolling(t, url, r)
}

func TestUpgradeDisabled(t *testing.T) {
	t.Parallel()
	e := newEnv(t, &engineio.Options{DisableUpgrades: true}, false)
	sid, url, r := handshake(t, e)
	checkError(t, do(t, "GET", e.url("EIO=4&transport=websocket&sid="+sid), "", wsHeader()), 400, `{"code":3,"message":"Bad request"}`)
	stillPolling(t, url, r)
}

func TestUpgradeCrossSite(t *testing.T) {
	t.Parallel()
	e := newEnv(t, &engineio.Options{CORS: &engineio.CORS{Origins: []string{"https://a.example"}}}, true)
	c, r := e.dial(t, eiotest.Options{Header: http.Header{"Origin": {"https://a.example"}}})
	c.Upgrade(t)
	eventually(t, "Transport() == websocket", func() bool { return r.s.Transport() == "websocket" })
}
