package engineio_test

import (
	"reflect"
	"testing"

	"github.com/duplexio/duplex/engineio"
)

// TestSessionHidesDefer: Defer, valid only inside Receiver.OnMessage, is
// not a method of Session, where any goroutine could call it; socketio gets
// it through internal/enginehook.
func TestSessionHidesDefer(t *testing.T) {
	t.Parallel()
	if _, ok := reflect.TypeFor[*engineio.Session]().MethodByName("Defer"); ok {
		t.Error("*Session has Defer")
	}
}
