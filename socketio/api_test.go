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
