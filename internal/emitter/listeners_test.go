package emitter

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/duplexio/duplex/internal/typedfunc"
)

func handler(t *testing.T) *typedfunc.Handler {
	t.Helper()
	h, err := typedfunc.New(func() {}, false)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestListeners(t *testing.T) {
	t.Parallel()
	var l Listeners[int]
	on, once := handler(t), handler(t)
	l.Add("e", on, false)
	l.Add("e", once, true)
	l.Add("other", on, false)
	first := l.Take("e")
	if len(first) != 2 || first[0].H != on || first[1].H != once {
		t.Fatalf("Take = %v, want the On then the Once handler", first)
	}
	if again := l.Take("e"); len(again) != 1 || again[0].H != on {
		t.Errorf("second Take = %v, want the On handler alone", again)
	}
	if first[1].H != once {
		t.Error("Take changed a slice it returned before")
	}
	l.Remove("e")
	if ls := l.Take("e"); len(ls) != 0 {
		t.Errorf("Take after Remove = %v", ls)
	}
	if ls := l.Take("other"); len(ls) != 1 {
		t.Errorf("Remove of one event removed another's: %v", ls)
	}

	l.AddAny(func(string, int) {})
	l.AddError(func(error) {})
	l.AddError(func(error) {})
	if len(l.Any()) != 1 || len(l.Errors()) != 2 {
		t.Errorf("%d catch-all and %d error listeners, want 1 and 2", len(l.Any()), len(l.Errors()))
	}
	l.RemoveAny()
	if len(l.Any()) != 0 {
		t.Error("RemoveAny left catch-all listeners")
	}
}

// TestListenersTakeAllocs: Take allocates only to drop once handlers, on
// the path of every received event.
func TestListenersTakeAllocs(t *testing.T) {
	var l Listeners[int]
	l.Add("e", handler(t), false)
	l.Add("e", handler(t), false)
	if n := testing.AllocsPerRun(100, func() { _ = l.Take("e") }); n != 0 {
		t.Errorf("Take: %v allocations, want 0", n)
	}
}

func TestCallAck(t *testing.T) {
	t.Parallel()
	args := typedfunc.NewArgs([]json.RawMessage{json.RawMessage(`"a"`)}, nil)
	var gotErr error
	var got string
	withErr, err := typedfunc.New(func(err error, s string) { gotErr, got = err, s }, true)
	if err != nil {
		t.Fatal(err)
	}
	timeout := errors.New("timeout")
	if err := CallAck(withErr, "e", true, timeout, typedfunc.Args{}); err != nil || gotErr != timeout {
		t.Errorf("CallAck with an error: %v, the callback got %v", err, gotErr)
	}
	if err := CallAck(withErr, "e", true, nil, args); err != nil || gotErr != nil || got != "a" {
		t.Errorf("CallAck with the answer: %v, the callback got %v, %q", err, gotErr, got)
	}
	got = ""
	plain, err := typedfunc.New(func(s string) { got = s }, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := CallAck(plain, "e", false, nil, args); err != nil || got != "a" {
		t.Errorf("CallAck without an error parameter: %v, the callback got %q", err, got)
	}
}
