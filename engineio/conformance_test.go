package engineio_test

import (
	"errors"
	"testing"

	"github.com/lxzan/gws"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/engineio/packet"
)

// The behaviours of the official test suites (socketio/engine.io-protocol
// and socket.io-protocol, test-suite/test-suite.js) that Node's engine.io
// shows and Duplex did not, each checked the way the suite checks it and
// also in the orderings that the suite's races can take here.

// A client that closes while its poll waits: the poll ends with a noop
// ("6"), as Node's Polling.onClose sends, and the session is gone.
func TestConformancePollingCloseWhilePolling(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, false)
	_, url, r := handshake(t, e)
	pending := pollAsync(t, url)
	waitPolling(t, r.s)
	if resp := do(t, "POST", url, "1", nil); resp.status != 200 || resp.body != "ok" {
		t.Errorf("POST answered %d %q", resp.status, resp.body)
	}
	if resp := await(t, pending); resp.status != 200 || resp.body != "6" {
		t.Errorf("pending poll answered %d %q, want 200 \"6\"", resp.status, resp.body)
	}
	r.waitClose(t, engineio.ReasonTransportClose, nil)
	checkError(t, do(t, "GET", url, "", nil), 400, `{"code":1,"message":"Session ID unknown"}`)
}

// The close POST handled before the poll sent with it: the poll still gets
// the noop, once; what follows gets the 400 of a session gone.
func TestConformancePollingCloseBeforePoll(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, false)
	_, url, r := handshake(t, e)
	if resp := do(t, "POST", url, "1", nil); resp.status != 200 || resp.body != "ok" {
		t.Errorf("POST answered %d %q", resp.status, resp.body)
	}
	r.waitClose(t, engineio.ReasonTransportClose, nil)
	if resp := do(t, "GET", url, "", nil); resp.status != 200 || resp.body != "6" {
		t.Errorf("poll after the close answered %d %q, want 200 \"6\"", resp.status, resp.body)
	}
	checkError(t, do(t, "GET", url, "", nil), 400, `{"code":1,"message":"Session ID unknown"}`)
	checkError(t, do(t, "POST", url, "1", nil), 400, `{"code":1,"message":"Session ID unknown"}`)
	if n := e.srv.Count(); n != 0 {
		t.Errorf("Count() = %d", n)
	}
}

// The suite's "forcefully closes the session": GET and POST "1" sent
// together, in whatever order the server takes them.
func TestConformancePollingCloseRace(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, false)
	for i := 0; i < 30; i++ {
		_, url, r := handshake(t, e)
		pending := pollAsync(t, url)
		if resp := do(t, "POST", url, "1", nil); resp.status != 200 {
			t.Fatalf("run %d: POST answered %d %q", i, resp.status, resp.body)
		}
		if resp := await(t, pending); resp.status != 200 || resp.body != "6" {
			t.Fatalf("run %d: poll answered %d %q, want 200 \"6\"", i, resp.status, resp.body)
		}
		r.waitClose(t, engineio.ReasonTransportClose, nil)
		checkError(t, do(t, "GET", url, "", nil), 400, `{"code":1,"message":"Session ID unknown"}`)
	}
}

// A poll that comes during the upgrade, the "5" sent right after it, is
// answered as a poll after the upgrade: 400, never a 200 that depends on
// which of the two the server handled first.
func TestConformancePollDuringUpgrade(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, true)
	sid, url, r := handshake(t, e)
	ws := dialRaw(t, e.wsURL("EIO=4&transport=websocket&sid="+sid), nil)
	if err := ws.WriteText("2probe"); err != nil {
		t.Fatal(err)
	}
	expectFrame(t, ws, "3probe", false)
	pending := pollAsync(t, url)
	if err := ws.WriteText("5"); err != nil {
		t.Fatal(err)
	}
	got := await(t, pending)
	checkError(t, got, 400, `{"code":3,"message":"Bad request"}`)
	if err := ws.WriteText("4hello"); err != nil {
		t.Fatal(err)
	}
	expectFrame(t, ws, "4hello", false)
	if r.isClosed() {
		t.Errorf("session closed: %q %v", r.reason, r.err)
	}
}

// A poll during an upgrade that the client does not complete yet gets a
// noop, as Node's 100 ms noops give it.
func TestConformancePollDuringUpgradeNoop(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, false)
	sid, url, r := handshake(t, e)
	ws := dialRaw(t, e.wsURL("EIO=4&transport=websocket&sid="+sid), nil)
	if err := ws.WriteText("2probe"); err != nil {
		t.Fatal(err)
	}
	expectFrame(t, ws, "3probe", false)
	if resp := do(t, "GET", url, "", nil); resp.status != 200 || resp.body != "6" {
		t.Errorf("poll during the upgrade answered %d %q, want 200 \"6\"", resp.status, resp.body)
	}
	if got := r.s.Transport(); got != engineio.TransportPolling {
		t.Errorf("Transport() %q before \"5\"", got)
	}
}

// The suite's "ignores HTTP requests with same sid after upgrade", its
// "2probe", "5" and GET sent without waiting, many times over.
func TestConformancePollAfterUpgradeRace(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, true)
	for i := 0; i < 20; i++ {
		sid, url, _ := handshake(t, e)
		ws := dialRaw(t, e.wsURL("EIO=4&transport=websocket&sid="+sid), nil)
		for _, f := range []string{"2probe", "5"} {
			if err := ws.WriteText(f); err != nil {
				t.Fatal(err)
			}
		}
		resp := do(t, "GET", url, "", nil)
		if resp.status != 400 {
			t.Fatalf("run %d: poll after the upgrade answered %d %q, want 400", i, resp.status, resp.body)
		}
		if err := ws.WriteText("4hello"); err != nil {
			t.Fatal(err)
		}
		expectFrame(t, ws, "3probe", false)
		expectFrame(t, ws, "4hello", false)
		ws.Close()
	}
}

// A second WebSocket for a session that is upgrading or upgraded: the
// handshake completes and the server closes it with a close frame, as
// Node does; the first one keeps working.
func TestConformanceSecondWebSocket(t *testing.T) {
	t.Parallel()
	for _, upgraded := range []bool{false, true} {
		name := map[bool]string{false: "during upgrade", true: "after upgrade"}[upgraded]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil, true)
			sid, _, r := handshake(t, e)
			ws := dialRaw(t, e.wsURL("EIO=4&transport=websocket&sid="+sid), nil)
			if err := ws.WriteText("2probe"); err != nil {
				t.Fatal(err)
			}
			expectFrame(t, ws, "3probe", false)
			if upgraded {
				if err := ws.WriteText("5"); err != nil {
					t.Fatal(err)
				}
				eventually(t, "the upgrade", func() bool { return r.s.Transport() == engineio.TransportWebSocket })
			}
			ws2 := dialRaw(t, e.wsURL("EIO=4&transport=websocket&sid="+sid), nil)
			expectClosed(t, ws2)
			var ce *gws.CloseError
			if err := ws2.Err(); !errors.As(err, &ce) {
				t.Errorf("second WebSocket ended with %v, want a close frame", err)
			}
			if !upgraded {
				if err := ws.WriteText("5"); err != nil {
					t.Fatal(err)
				}
			}
			if err := ws.WriteText("4hello"); err != nil {
				t.Fatal(err)
			}
			expectFrame(t, ws, "4hello", false)
			if r.isClosed() {
				t.Errorf("session closed: %q %v", r.reason, r.err)
			}
		})
	}
}

// A client that pings over an open WebSocket breaks the protocol (in v4
// the server pings): the session ends with "transport error", and the
// WebSocket with a close frame, as for the other protocol errors.
func TestConformanceClientPing(t *testing.T) {
	t.Parallel()
	for _, frame := range []string{"2", "2probe"} {
		t.Run(frame, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil, false)
			ws, r := dialWS(t, e, nil)
			if err := ws.WriteText(frame); err != nil {
				t.Fatal(err)
			}
			r.waitClose(t, engineio.ReasonTransportError, packet.ErrInvalidPacket)
			expectClosed(t, ws)
			var ce *gws.CloseError
			if err := ws.Err(); !errors.As(err, &ce) {
				t.Errorf("WebSocket ended with %v, want a close frame", err)
			}
		})
	}
}
