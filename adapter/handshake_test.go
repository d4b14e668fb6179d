package adapter_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/duplexio/duplex/adapter"
)

// TestHandshakeWire: a Handshake travels in the shape of Node's
// socket.handshake (lower-case headers joined, JavaScript date and issued
// milliseconds, repeated query keys as arrays) and comes back in Go types,
// from Node's shape too.
func TestHandshakeWire(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 2, 13, 4, 5, 678e6, time.FixedZone("UTC", 0))
	h := &adapter.Handshake{
		Header:  http.Header{"X-Token": {"a", "b"}, "Origin": {"https://x.example"}},
		Time:    at,
		Address: "10.0.0.1",
		XDomain: true,
		URL:     "/socket.io/?EIO=4&room=a&room=b",
		Query:   url.Values{"EIO": {"4"}, "room": {"a", "b"}},
	}
	b, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"headers":{"origin":"https://x.example","x-token":"a, b"},` +
		`"time":"Wed Dec 02 2026 13:04:05 GMT+0000 (UTC)","address":"10.0.0.1","xdomain":true,"secure":false,` +
		`"issued":1796216645678,"url":"/socket.io/?EIO=4\u0026room=a\u0026room=b",` +
		`"query":{"EIO":"4","room":["a","b"]},"auth":{}}`
	if string(b) != want {
		t.Errorf("wire\n got %s\nwant %s", b, want)
	}

	var back adapter.Handshake
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	wantBack := adapter.Handshake{
		Header:  http.Header{"X-Token": {"a, b"}, "Origin": {"https://x.example"}},
		Time:    time.UnixMilli(at.UnixMilli()),
		Address: "10.0.0.1", XDomain: true, URL: h.URL,
		Query: h.Query,
		Auth:  json.RawMessage(`{}`),
	}
	if !reflect.DeepEqual(back, wantBack) {
		t.Errorf("decoded %+v\nwant %+v", back, wantBack)
	}

	// Node's own: a header with an array value (set-cookie).
	node := `{"headers":{"set-cookie":["a=1","b=2"],"host":"h"},"issued":1.7e12,"query":{"x":"1"},"auth":{"t":1}}`
	if err := json.Unmarshal([]byte(node), &back); err != nil {
		t.Fatal(err)
	}
	if got := back.Header["Set-Cookie"]; !reflect.DeepEqual(got, []string{"a=1", "b=2"}) || back.Header.Get("Host") != "h" ||
		back.Query.Get("x") != "1" || string(back.Auth) != `{"t":1}` || back.Time.UnixMilli() != 1.7e12 {
		t.Errorf("Node's handshake read as %+v", back)
	}
}
