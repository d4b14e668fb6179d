package typedfunc

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// The types a package built on typedfunc shows its users.
type (
	pubArgs     struct{ a Args }
	pubAck      func(...any)
	pubArgError ArgError
)

func (e *pubArgError) Error() string { return (*ArgError)(e).Error() }

var testPublic = NewPublic[pubArgs, pubAck](
	func(a Args) pubArgs { return pubArgs{a} },
	func(e *ArgError) error { return (*pubArgError)(e) },
)

// TestPublicTypes: a handler built by Public.New takes the public Args and
// AckFunc, on the fast path and through reflection alike, and its decode
// errors, returned or received, are the public ArgError.
func TestPublicTypes(t *testing.T) {
	t.Parallel()
	args := NewArgs([]json.RawMessage{json.RawMessage(`"x"`), json.RawMessage(`2`)}, nil)
	var acked []any
	ack := AckFunc(func(v ...any) { acked = v })
	var got []string
	for _, tc := range []struct {
		name string
		fn   any
	}{
		{"fast string+ack", func(s string, ack pubAck) { got = append(got, s); ack(1) }},
		{"fast Args+ack", func(a pubArgs, ack pubAck) { got = append(got, string(a.a.Raw(1))); ack(1) }},
		{"reflect Args", func(s string, a pubArgs) { got = append(got, s+string(a.a.Raw(0))) }},
	} {
		h, err := testPublic.New(tc.fn, false)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if fast := h.fast != nil; fast != strings.HasPrefix(tc.name, "fast") {
			t.Errorf("%s: fast path %v", tc.name, fast)
		}
		if err := h.Call("ev", args, ack); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	if want := []string{"x", "2", "x2"}; len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("handlers got %q, want %q", got, want)
	}
	if len(acked) != 1 {
		t.Errorf("ack not called through the public AckFunc: %v", acked)
	}

	var pe *pubArgError
	for _, fn := range []any{func(int) {}, func(string, string) {}} {
		h, err := testPublic.New(fn, false)
		if err != nil {
			t.Fatal(err)
		}
		if err := h.Call("ev", args, nil); !errors.As(err, &pe) {
			t.Errorf("%T: error %T %v, want *pubArgError", fn, err, err)
		}
	}
	var received error
	h, err := testPublic.New(func(n int, err error) { received = err }, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Call("ev", args, nil); err != nil {
		t.Fatal(err)
	}
	if !errors.As(received, &pe) {
		t.Errorf("error parameter got %T, want *pubArgError", received)
	}
}
