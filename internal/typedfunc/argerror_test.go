package typedfunc

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"
)

// TestHandlerErrorParam: a trailing error parameter receives the decode
// error, and the function runs anyway, with zero values from the failing
// parameter on.
func TestHandlerErrorParam(t *testing.T) {
	t.Parallel()
	type got struct {
		s   string
		n   int
		err error
		ack bool
	}
	tests := []struct {
		name      string
		data      string
		want      got
		wantIndex int // -1: err nil
		missing   bool
	}{
		{"fits", `["a",1]`, got{s: "a", n: 1}, -1, false},
		{"second wrong", `["a","b"]`, got{s: "a"}, 1, false},
		{"first wrong", `[42,{"x":1}]`, got{}, 0, false},
		{"missing", `["a"]`, got{s: "a"}, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var g got
			h, err := New(func(s string, n int, err error, ack AckFunc) {
				g = got{s: s, n: n, err: err}
				ack("answered")
			}, false)
			if err != nil {
				t.Fatal(err)
			}
			if err := h.Call("ev", testArgs(t, tt.data), func(...any) { g.ack = true }); err != nil {
				t.Fatalf("Call = %v, want nil: the handler took the error", err)
			}
			if !g.ack {
				t.Error("ack callback not passed")
			}
			if g.s != tt.want.s || g.n != tt.want.n {
				t.Errorf("got %q %d, want %q %d", g.s, g.n, tt.want.s, tt.want.n)
			}
			var ae *ArgError
			switch {
			case tt.wantIndex < 0 && g.err != nil:
				t.Errorf("err = %v, want nil", g.err)
			case tt.wantIndex < 0:
			case !errors.As(g.err, &ae) || ae.Index != tt.wantIndex || ae.Event != "ev":
				t.Errorf("err = %#v, want *ArgError for argument %d", g.err, tt.wantIndex)
			case errors.Is(ae, ErrMissingArgument) != tt.missing:
				t.Errorf("err = %v, missing %v", ae, tt.missing)
			}
		})
	}
}

// TestHandlerErrorParamAckCallback: an ack callback with a timeout may take
// both errors: the timeout first, the decode error after the data.
func TestHandlerErrorParamAckCallback(t *testing.T) {
	t.Parallel()
	var timeoutErr, argErr error
	h, err := New(func(terr error, n int, aerr error) { timeoutErr, argErr = terr, aerr }, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.CallErr("ev", nil, testArgs(t, `["x"]`)); err != nil {
		t.Fatal(err)
	}
	if timeoutErr != nil || argErr == nil {
		t.Errorf("timeout %v, arg error %v; want nil and an ArgError", timeoutErr, argErr)
	}
	boom := errors.New("timeout")
	if err := h.CallErr("ev", boom, Args{}); err != nil {
		t.Fatal(err)
	}
	if timeoutErr != boom || argErr != nil {
		t.Errorf("timeout %v, arg error %v; want boom and nil", timeoutErr, argErr)
	}
}

// TestHandlerMissingArgument: a parameter without a nil value is not
// given a made-up zero for an argument the peer did not send.
func TestHandlerMissingArgument(t *testing.T) {
	t.Parallel()
	fns := []struct {
		fn    any
		data  string
		index int
		want  reflect.Type
	}{
		{func(string) {}, `[]`, 0, reflect.TypeFor[string]()},
		{func(string, AckFunc) {}, `[]`, 0, reflect.TypeFor[string]()},
		{func(s string, n int) {}, `["only"]`, 1, reflect.TypeFor[int]()},
		{func(p profile) {}, `[]`, 0, reflect.TypeFor[profile]()},
		{func(b bool, rest Args) {}, `[]`, 0, reflect.TypeFor[bool]()},
		{func(n int, s ...string) {}, `[]`, 0, reflect.TypeFor[int]()},
	}
	for _, tt := range fns {
		called := false
		h, err := New(reflect.MakeFunc(reflect.TypeOf(tt.fn), func([]reflect.Value) []reflect.Value {
			called = true
			return nil
		}).Interface(), false)
		if err != nil {
			t.Fatal(err)
		}
		err = h.Call("ev", testArgs(t, tt.data), nil)
		var ae *ArgError
		if !errors.As(err, &ae) || !errors.Is(err, ErrMissingArgument) || ae.Index != tt.index || ae.Want != tt.want {
			t.Errorf("%T with %s: Call = %v, want a missing argument %d of %v", tt.fn, tt.data, err, tt.index, tt.want)
		}
		if called {
			t.Errorf("%T called with a missing argument", tt.fn)
		}
	}
}

func TestPeerMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  *ArgError
		want string
	}{
		{&ArgError{Index: 0, Want: reflect.TypeFor[string](), Err: errors.New("x")}, "invalid argument 0: want string"},
		{&ArgError{Index: 1, Want: reflect.TypeFor[*int64](), Err: ErrMissingArgument}, "missing argument 1: want number"},
		{&ArgError{Index: 2, Want: reflect.TypeFor[profile]()}, "invalid argument 2: want object"},
		{&ArgError{Index: 0, Want: reflect.TypeFor[map[string]int]()}, "invalid argument 0: want object"},
		{&ArgError{Index: 0, Want: reflect.TypeFor[[]string]()}, "invalid argument 0: want array"},
		{&ArgError{Index: 0, Want: reflect.TypeFor[[]byte]()}, "invalid argument 0: want binary"},
		{&ArgError{Index: 0, Want: reflect.TypeFor[bool]()}, "invalid argument 0: want boolean"},
		{&ArgError{Index: 0, Want: reflect.TypeFor[time.Time]()}, "invalid argument 0: want value"},
		{&ArgError{Index: 0, Want: reflect.TypeFor[json.Number]()}, "invalid argument 0: want string"},
	}
	for _, tt := range tests {
		if got := PeerMessage(tt.err); got != tt.want {
			t.Errorf("PeerMessage(%v) = %q, want %q", tt.err.Want, got, tt.want)
		}
	}
}

// TestExactKeys: object keys fill struct fields only when they match
// exactly, by default; FoldKeys restores encoding/json's folding.
func TestExactKeys(t *testing.T) {
	t.Parallel()
	type msg struct {
		Text  string `json:"text"`
		Inner struct {
			Room string
		} `json:"inner"`
		List []profile `json:"list"`
	}
	data := `[{"TEXT":"evil","text":"hello","Text":"evil2","inner":{"room":"evil","Room":"r"},"list":[{"NAME":"evil","name":"ann"}]}]`
	var exact, folded msg
	if err := testArgs(t, data).Decode(0, &exact); err != nil {
		t.Fatal(err)
	}
	if exact.Text != "hello" || exact.Inner.Room != "r" || exact.List[0].Name != "ann" {
		t.Errorf("exact decode = %+v, want text hello, room r, name ann", exact)
	}
	if err := FoldKeys(testArgs(t, data)).Decode(0, &folded); err != nil {
		t.Fatal(err)
	}
	if folded.Text != "evil2" {
		t.Errorf("folded decode text = %q, want encoding/json's %q", folded.Text, "evil2")
	}
	// Only a case variant: encoding/json would take it, JavaScript not.
	var onlyVariant msg
	if err := Unmarshal([]byte(`{"TEXT":"evil"}`), &onlyVariant); err != nil || onlyVariant.Text != "" {
		t.Errorf("Unmarshal of a case variant = %+v, %v; want the field untouched", onlyVariant, err)
	}
	// Through a typed handler, and through the binary path.
	var got msg
	h, _ := New(func(m msg) { got = m }, false)
	if err := h.Call("ev", testArgs(t, `[{"TEXT":"evil","inner":{"room":{"_placeholder":true,"num":0}}}]`, []byte("x")), nil); err != nil {
		t.Fatal(err)
	}
	if got.Text != "" || got.Inner.Room != "" {
		t.Errorf("handler got %+v, want no fields filled", got)
	}
}
