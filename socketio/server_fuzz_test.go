package socketio_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/socketio"
)

// FuzzServerPayload posts an arbitrary polling payload to a fresh session
// of a Socket.IO server whose handlers take the common parameter shapes,
// binary and acks included. The server must not panic (handler panics are
// recovered; any other kills the fuzzer), must answer 200 "ok", 400 with a
// JSON refusal or 413, and must end the session cleanly.
func FuzzServerPayload(f *testing.F) {
	for _, s := range []string{
		"40",
		"40\x1e42[\"str\",\"x\"]",
		"40\x1e421[\"str\",\"x\"]\x1e431[\"late\"]",
		"40\x1e42[\"int\",123456789012345678901234567890]",
		"40\x1e42[\"obj\",{\"a\":[1,2,{\"b\":null}],\"c\":\"\\u00e9\"}]",
		"40\x1e4451-[\"bin\",{\"_placeholder\":true,\"num\":0}]\x1ebAQID",
		"40\x1e4452-2[\"bin\",{\"_placeholder\":true,\"num\":1}]\x1ebAQID\x1ebBA==",
		"40\x1e4451-[\"bin\",{\"_placeholder\":true,\"num\":0}]\x1ebAQID\x1ebAQID",
		"40\x1e42[\"args\",1,\"two\",[3],{\"four\":4}]",
		"40\x1e42[\"panic\"]\x1e42[\"str\",\"after\"]",
		"40/admin,{\"token\":1}\x1e42/admin,[\"str\",\"x\"]\x1e41/admin,",
		"40/nope,\x1e42/nope,[\"str\"]",
		"40\x1e40",
		"41",
		"6\x1e2\x1e1",
		"40\x1e42[\"str\",\"\xff\"]",
	} {
		f.Add([]byte(s))
	}
	io := socketio.NewServer(&socketio.Options{
		Engine: engineio.Options{PingInterval: time.Minute, PingTimeout: time.Minute, MaxHTTPBufferSize: 1 << 16},
	})
	register := func(s *socketio.Socket) {
		s.On("str", func(v string, ack socketio.AckFunc) { ack(v) })
		s.On("int", func(v int) error { return s.Emit("int", v) })
		s.On("obj", func(v struct {
			A []any  `json:"a"`
			C string `json:"c"`
		}) {
			_ = s.Broadcast().Emit("obj", v)
		})
		s.On("bin", func(b []byte, ack socketio.AckFunc) { ack(b, len(b)) })
		s.On("args", func(a socketio.Args) {
			vals, _ := a.Values()
			_ = s.Emit("args", vals...)
		})
		s.On("raw", func(r json.RawMessage) { _ = s.Emit("raw", r) })
		s.On("panic", func() { panic("fuzz") })
		s.OnAny(func(string, socketio.Args) {})
		s.OnError(func(error) {})
	}
	io.OnConnection(register)
	io.Of("/admin").OnConnection(register)
	f.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if err := io.Shutdown(ctx); err != nil {
			f.Errorf("Shutdown: %v", err)
		}
	})

	f.Fuzz(func(t *testing.T, body []byte) {
		rec := httptest.NewRecorder()
		io.ServeHTTP(rec, httptest.NewRequest("GET", "/socket.io/?EIO=4&transport=polling", nil))
		open := rec.Body.String()
		i := strings.Index(open, `"sid":"`)
		if rec.Code != 200 || i < 0 {
			t.Fatalf("handshake: %d %q", rec.Code, open)
		}
		sid := open[i+7 : i+27]
		rec = httptest.NewRecorder()
		req := httptest.NewRequest("POST", "/socket.io/?EIO=4&transport=polling&sid="+sid, strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
		served := make(chan struct{})
		go func() {
			defer close(served)
			io.ServeHTTP(rec, req)
		}()
		select {
		case <-served:
		case <-time.After(5 * time.Second):
			t.Fatalf("POST %q: no answer after 5s", body)
		}
		switch got := rec.Body.String(); {
		case rec.Code == 200 && got == "ok":
		case rec.Code == 400 && strings.HasPrefix(got, `{"code":`):
		case rec.Code == http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("POST %q: %d %q", body, rec.Code, got)
		}
		if s := io.Engine().Session(sid); s != nil {
			s.Abort(engineio.ReasonForcedClose, nil)
		}
	})
}
