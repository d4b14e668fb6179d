package socketio_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/duplexio/duplex/socketio"
)

// TestNamespaceHidesAdapterPlumbing: the methods only an adapter calls are
// not on *Namespace, where users would find Disconnect(ids, close) beside
// DisconnectSockets; the adapter gets them on the handle its Factory
// receives.
func TestNamespaceHidesAdapterPlumbing(t *testing.T) {
	t.Parallel()
	typ := reflect.TypeFor[*socketio.Namespace]()
	for _, name := range []string{"Deliver", "DeliverWithAck", "Disconnect", "Info", "ServerSideEmitReceived", "NextAckID", "ForgetAck"} {
		if _, ok := typ.MethodByName(name); ok {
			t.Errorf("*Namespace has the adapter's method %s", name)
		}
	}
}

// TestPublicTypesAreOwn: Args, AckFunc, ArgError and Handshake are types of
// this package, not aliases of internal or adapter types, so that go doc
// lists their fields and methods here.
func TestPublicTypesAreOwn(t *testing.T) {
	t.Parallel()
	for _, typ := range []reflect.Type{
		reflect.TypeFor[socketio.Args](),
		reflect.TypeFor[socketio.AckFunc](),
		reflect.TypeFor[socketio.ArgError](),
		reflect.TypeFor[socketio.Handshake](),
	} {
		if got, want := typ.PkgPath(), "github.com/duplexio/duplex/socketio"; got != want {
			t.Errorf("%v is declared in %s, want %s", typ, got, want)
		}
	}
}

// TestHandshakeJSON: a Handshake encodes as Node's socket.handshake and
// reads one back, as a Node node of a cluster sends it.
func TestHandshakeJSON(t *testing.T) {
	t.Parallel()
	h := socketio.Handshake{Header: http.Header{"X-A": {"1"}}, Time: time.UnixMilli(1796216645678), Query: url.Values{"k": {"v"}}}
	b, err := json.Marshal(&h)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"headers":{"x-a":"1"}`, `"issued":1796216645678`, `"query":{"k":"v"}`, `"auth":{}`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON %s lacks %s", b, want)
		}
	}
	node := `{"headers":{"host":"h"},"time":"Wed Dec 02 2026 14:07:01 GMT+0000 (Coordinated Universal Time)","issued":1796220421204,"query":{"EIO":"4"},"auth":{"name":"n"}}`
	var back socketio.Handshake
	if err := json.Unmarshal([]byte(node), &back); err != nil {
		t.Fatal(err)
	}
	if back.Header.Get("Host") != "h" || back.Time.UnixMilli() != 1796220421204 || back.Query.Get("EIO") != "4" || string(back.Auth) != `{"name":"n"}` {
		t.Errorf("Node's handshake read as %+v", back)
	}
}
