package socketio_test

import (
	"reflect"
	"testing"

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
