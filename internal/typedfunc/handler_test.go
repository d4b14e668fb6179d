package typedfunc

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
)

type room string

// recorder collects what a test handler received.
type recorder struct {
	called bool
	got    []any
}

func (r *recorder) rec(v ...any) {
	r.called = true
	r.got = v
}

func TestHandlerCall(t *testing.T) {
	t.Parallel()
	bin := []byte("hi")
	one := 1
	tests := []struct {
		name string
		fn   func(rec func(...any)) any // the handler, reporting its parameters to rec
		data string
		att  [][]byte
		want []any
	}{
		{"no params", func(rec func(...any)) any { return func() { rec() } },
			`["x"]`, nil, []any{}},
		{"string", func(rec func(...any)) any { return func(s string) { rec(s) } },
			`["hello"]`, nil, []any{"hello"}},
		{"string escaped", func(rec func(...any)) any { return func(s string) { rec(s) } },
			`["\u00e9\"\\"]`, nil, []any{"é\"\\"}},
		{"named string", func(rec func(...any)) any { return func(r room) { rec(r) } },
			`["lobby"]`, nil, []any{room("lobby")}},
		{"string and int", func(rec func(...any)) any { return func(s string, n int) { rec(s, n) } },
			`["a",7]`, nil, []any{"a", 7}},
		{"extra args ignored", func(rec func(...any)) any { return func(s string, n int) { rec(s, n) } },
			`["a",7,8,"z"]`, nil, []any{"a", 7}},
		{"missing args nil", func(rec func(...any)) any {
			return func(p *int, m map[string]int, v any, l []int, r json.RawMessage, a Args) { rec(p, m, v, l, r, a.Len()) }
		}, `[]`, nil, []any{(*int)(nil), map[string]int(nil), nil, []int(nil), json.RawMessage(nil), 0}},
		{"scalars", func(rec func(...any)) any {
			return func(b bool, u uint8, f float64, g float32, n int64, c bool) { rec(b, u, f, g, n, c) }
		}, `[true,255,3,1.5,-7,false]`, nil, []any{true, uint8(255), 3.0, float32(1.5), int64(-7), false}},
		{"big numbers", func(rec func(...any)) any { return func(n int64, u uint64) { rec(n, u) } },
			`[-9223372036854775808,18446744073709551615]`, nil, []any{int64(-9223372036854775808), uint64(18446744073709551615)}},
		{"struct", func(rec func(...any)) any { return func(p profile) { rec(p) } },
			`[{"name":"ann","age":7,"other":1}]`, nil, []any{profile{Name: "ann", Age: 7}}},
		{"struct pointer", func(rec func(...any)) any { return func(p *profile) { rec(p) } },
			`[{"name":"ann"}]`, nil, []any{&profile{Name: "ann"}}},
		{"map", func(rec func(...any)) any { return func(m map[string]int) { rec(m) } },
			`[{"a":1}]`, nil, []any{map[string]int{"a": 1}}},
		{"slice", func(rec func(...any)) any { return func(s []string) { rec(s) } },
			`[["a","b"]]`, nil, []any{[]string{"a", "b"}}},
		{"pointer null", func(rec func(...any)) any { return func(p *int, q *int) { rec(p, q) } },
			`[null,1]`, nil, []any{(*int)(nil), &one}},
		{"any", func(rec func(...any)) any { return func(a, b, c, d any) { rec(a, b, c, d) } },
			`[1,"s",null,{"k":[true]}]`, nil, []any{1.0, "s", nil, map[string]any{"k": []any{true}}}},
		{"any binary", func(rec func(...any)) any { return func(a, b any) { rec(a, b) } },
			`[{"_placeholder":true,"num":0},[{"_placeholder":true,"num":0}]]`, [][]byte{bin},
			[]any{bin, []any{bin}}},
		{"bytes placeholder", func(rec func(...any)) any { return func(b []byte) { rec(b) } },
			`[{"_placeholder":true,"num":0}]`, [][]byte{bin}, []any{bin}},
		{"bytes base64", func(rec func(...any)) any { return func(b []byte) { rec(b) } },
			`["aGk="]`, nil, []any{bin}},
		{"struct bytes placeholder", func(rec func(...any)) any { return func(p profile) { rec(p) } },
			`[{"name":"x","avatar":{"_placeholder":true,"num":1}}]`, [][]byte{nil, bin},
			[]any{profile{Name: "x", Avatar: bin}}},
		{"raw", func(rec func(...any)) any { return func(r json.RawMessage) { rec(r) } },
			`[{"a": [1]}]`, nil, []any{json.RawMessage(`{"a": [1]}`)}},
		{"raw binary", func(rec func(...any)) any { return func(r json.RawMessage) { rec(r) } },
			`[[{"_placeholder":true,"num":0}]]`, [][]byte{bin}, []any{json.RawMessage(`["aGk="]`)}},
		{"raw second", func(rec func(...any)) any { return func(s string, r json.RawMessage) { rec(s, r) } },
			`["a",{"_placeholder":true,"num":0}]`, [][]byte{bin}, []any{"a", json.RawMessage(`"aGk="`)}},
		{"variadic any", func(rec func(...any)) any { return func(v ...any) { rec(v) } },
			`["a",1,{"_placeholder":true,"num":0}]`, [][]byte{bin}, []any{[]any{"a", 1.0, bin}}},
		{"variadic any none", func(rec func(...any)) any { return func(v ...any) error { rec(len(v)); return nil } },
			`[]`, nil, []any{0}},
		{"string and variadic int", func(rec func(...any)) any { return func(s string, rest ...int) { rec(s, rest) } },
			`["x",1,2]`, nil, []any{"x", []int{1, 2}}},
		{"variadic empty", func(rec func(...any)) any { return func(s string, rest ...int) { rec(s, rest) } },
			`["x"]`, nil, []any{"x", []int(nil)}},
		{"variadic null any", func(rec func(...any)) any { return func(s string, rest ...any) { rec(s, rest) } },
			`["x",null,2]`, nil, []any{"x", []any{nil, 2.0}}},
		{"args", func(rec func(...any)) any { return func(a Args) { rec(a.Len(), string(a.Raw(0))) } },
			`["x",2]`, nil, []any{2, `"x"`}},
		{"string and args", func(rec func(...any)) any {
			return func(s string, a Args) {
				var b []byte
				err := a.Decode(1, &b)
				rec(s, a.Len(), string(b), err)
			}
		}, `["x",2,{"_placeholder":true,"num":0}]`, [][]byte{bin}, []any{"x", 2, "hi", nil}},
		{"args missing", func(rec func(...any)) any { return func(s string, a Args) { rec(s, a.Len()) } },
			`["s"]`, nil, []any{"s", 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var r recorder
			h, err := New(tt.fn(r.rec), false)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if err := h.Call("ev", testArgs(t, tt.data, tt.att...), nil); err != nil {
				t.Fatalf("call: %v", err)
			}
			if !r.called {
				t.Fatal("handler not called")
			}
			if r.got == nil {
				r.got = []any{}
			}
			if !reflect.DeepEqual(r.got, tt.want) {
				t.Errorf("handler got %#v, want %#v", r.got, tt.want)
			}
		})
	}
}

func TestHandlerAck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fn   func(rec func(...any)) any // the handler, calling its ack with "ok" and rec with its data
		data string
		want []any
	}{
		{"ack only", func(rec func(...any)) any { return func(ack AckFunc) { ack("ok"); rec() } },
			`[]`, []any{}},
		{"string ack", func(rec func(...any)) any { return func(s string, ack AckFunc) { ack("ok"); rec(s) } },
			`["a"]`, []any{"a"}},
		{"string ack error", func(rec func(...any)) any {
			return func(s string, ack AckFunc) error { ack("ok"); rec(s); return nil }
		}, `["a"]`, []any{"a"}},
		{"args ack", func(rec func(...any)) any { return func(a Args, ack AckFunc) { ack("ok"); rec(a.Len()) } },
			`["a",1]`, []any{2}},
		{"args ack error", func(rec func(...any)) any {
			return func(a Args, ack AckFunc) error { ack("ok"); rec(a.Len()); return nil }
		}, `["a",1]`, []any{2}},
		{"typed ack", func(rec func(...any)) any { return func(s string, n int, ack AckFunc) { ack("ok"); rec(s, n) } },
			`["a",1]`, []any{"a", 1}},
		{"func ack", func(rec func(...any)) any { return func(s string, ack func(...any)) { ack("ok"); rec(s) } },
			`["a"]`, []any{"a"}},
		{"args and func ack", func(rec func(...any)) any { return func(a Args, ack func(...any)) { ack("ok"); rec(a.Len()) } },
			`[1]`, []any{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var r recorder
			h, err := New(tt.fn(r.rec), false)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if !h.WantsAck() {
				t.Error("wantsAck = false")
			}
			var acked []any
			ack := AckFunc(func(args ...any) { acked = args })
			if err := h.Call("ev", testArgs(t, tt.data), ack); err != nil {
				t.Fatalf("call: %v", err)
			}
			if !reflect.DeepEqual(acked, []any{"ok"}) {
				t.Errorf("ack got %#v", acked)
			}
			if r.got == nil {
				r.got = []any{}
			}
			if !reflect.DeepEqual(r.got, tt.want) {
				t.Errorf("handler got %#v, want %#v", r.got, tt.want)
			}
			// Without an ack requested the handler gets a no-op it may call.
			r = recorder{}
			if err := h.Call("ev", testArgs(t, tt.data), nil); err != nil || !r.called {
				t.Errorf("call without ack: %v, called %v", err, r.called)
			}
		})
	}
}

func TestHandlerWantsAck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fn   any
		want bool
	}{
		{func() {}, false},
		{func(string) {}, false},
		{func(...any) {}, false},
		{func(Args) {}, false},
		{func(AckFunc) {}, true},
		{func(int, func(...any)) error { return nil }, true},
	}
	for _, tt := range tests {
		h, err := New(tt.fn, false)
		if err != nil {
			t.Fatalf("New(%T): %v", tt.fn, err)
		}
		if got := h.WantsAck(); got != tt.want {
			t.Errorf("wantsAck of %T = %v, want %v", tt.fn, got, tt.want)
		}
	}
}

func TestHandlerArgError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fn    func(called *bool) any
		data  string
		att   [][]byte
		index int
		want  reflect.Type
		msg   string // the whole message when not empty
	}{
		{"string into int", func(c *bool) any { return func(s string, n int) { *c = true } },
			`["x","bad"]`, nil, 1, reflect.TypeFor[int](),
			`event "chat" argument 1: want int: json: cannot unmarshal string into Go value of type int`},
		{"float into int", func(c *bool) any { return func(n int) { *c = true } },
			`[1.5]`, nil, 0, reflect.TypeFor[int](), ""},
		{"object into string fast", func(c *bool) any { return func(s string) { *c = true } },
			`[{}]`, nil, 0, reflect.TypeFor[string](), ""},
		{"number into string ack fast", func(c *bool) any { return func(s string, _ AckFunc) { *c = true } },
			`[1]`, nil, 0, reflect.TypeFor[string](), ""},
		{"int8 overflow", func(c *bool) any { return func(n int8) { *c = true } },
			`[300]`, nil, 0, reflect.TypeFor[int8](), ""},
		{"negative into uint", func(c *bool) any { return func(s string, n uint) { *c = true } },
			`["a",-1]`, nil, 1, reflect.TypeFor[uint](), ""},
		{"string into bool", func(c *bool) any { return func(b bool) { *c = true } },
			`["true"]`, nil, 0, reflect.TypeFor[bool](), ""},
		{"struct field", func(c *bool) any { return func(p profile) { *c = true } },
			`[{"age":"x"}]`, nil, 0, reflect.TypeFor[profile](), ""},
		{"variadic element", func(c *bool) any { return func(s string, rest ...int) { *c = true } },
			`["a",1,2,"x"]`, nil, 3, reflect.TypeFor[int](), ""},
		{"bad placeholder any", func(c *bool) any { return func(v any) { *c = true } },
			`[{"_placeholder":true,"num":5}]`, [][]byte{{1}}, 0, reflect.TypeFor[any](), ""},
		{"bad placeholder variadic any", func(c *bool) any { return func(v ...any) { *c = true } },
			`[1,{"_placeholder":true,"num":5}]`, [][]byte{{1}}, 1, reflect.TypeFor[any](), ""},
		{"bad placeholder raw fast", func(c *bool) any { return func(r json.RawMessage) { *c = true } },
			`[{"_placeholder":true,"num":5}]`, [][]byte{{1}}, 0, reflect.TypeFor[json.RawMessage](), ""},
		{"bad base64", func(c *bool) any { return func(b []byte) { *c = true } },
			`["%%"]`, nil, 0, reflect.TypeFor[[]byte](), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			called := false
			h, err := New(tt.fn(&called), false)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			err = h.Call("chat", testArgs(t, tt.data, tt.att...), nil)
			var ae *ArgError
			if !errors.As(err, &ae) {
				t.Fatalf("call error %v is not an *ArgError", err)
			}
			if ae.Event != "chat" || ae.Index != tt.index || ae.Want != tt.want || ae.Err == nil {
				t.Errorf("ArgError = %+v, want index %d, type %v", ae, tt.index, tt.want)
			}
			if errors.Unwrap(ae) != ae.Err {
				t.Error("Unwrap does not return Err")
			}
			if tt.msg != "" && err.Error() != tt.msg {
				t.Errorf("Error() = %q, want %q", err.Error(), tt.msg)
			}
			if called {
				t.Error("handler called despite the decode error")
			}
		})
	}
}

func TestHandlerResultError(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	fns := []struct {
		fn   any
		data string
	}{
		{func() error { return boom }, `[]`},
		{func(string) error { return boom }, `["s"]`},
		{func(json.RawMessage) error { return boom }, `[]`},
		{func(Args) error { return boom }, `[]`},
		{func(Args, AckFunc) error { return boom }, `[]`},
		{func(string, AckFunc) error { return boom }, `["s"]`},
		{func(...any) error { return boom }, `[]`},
		{func(int, string) error { return boom }, `[1,"s"]`},
		{func(int, ...string) error { return boom }, `[1]`},
		{func(int, error) error { return boom }, `["not a number"]`},
	}
	for _, tt := range fns {
		fn := tt.fn
		h, err := New(fn, false)
		if err != nil {
			t.Fatalf("New(%T): %v", fn, err)
		}
		if err := h.Call("ev", testArgs(t, tt.data), nil); err != boom {
			t.Errorf("%T: call = %v, want %v", fn, err, boom)
		}
	}
	h, _ := New(func(int) error { return nil }, false)
	if err := h.Call("ev", testArgs(t, `[1]`), nil); err != nil {
		t.Errorf("nil error result: call = %v", err)
	}
}

func TestHandlerFastPath(t *testing.T) {
	t.Parallel()
	fns := []any{
		func() {}, func() error { return nil },
		func(string) {}, func(string) error { return nil },
		func(string, AckFunc) {}, func(string, AckFunc) error { return nil },
		func(json.RawMessage) {}, func(json.RawMessage) error { return nil },
		func(Args) {}, func(Args) error { return nil },
		func(Args, AckFunc) {}, func(Args, AckFunc) error { return nil },
		func(...any) {}, func(...any) error { return nil },
	}
	for _, fn := range fns {
		h, err := New(fn, false)
		if err != nil {
			t.Fatalf("New(%T): %v", fn, err)
		}
		if h.fast == nil {
			t.Errorf("%T: no fast path", fn)
		}
	}
	h, _ := New(func(string, int) {}, false)
	if h.fast != nil {
		t.Error("func(string, int) has a fast path")
	}
}

func TestNewEventHandlerInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fn      any
		withErr bool
	}{
		{"nil", nil, false},
		{"not a func", 42, false},
		{"nil func", (func(string))(nil), false},
		{"ack not last", func(AckFunc, string) {}, false},
		{"func ack not last", func(func(...any), string) {}, false},
		{"two acks", func(AckFunc, AckFunc) {}, false},
		{"args not last", func(Args, string) {}, false},
		{"args before ack and data", func(Args, int, AckFunc) {}, false},
		{"pointer to args", func(*Args) {}, false},
		{"variadic args", func(...Args) {}, false},
		{"chan", func(chan int) {}, false},
		{"func param", func(func()) {}, false},
		{"variadic func", func(...func()) {}, false},
		{"pointer to chan", func(*chan int) {}, false},
		{"complex", func(complex128) {}, false},
		{"interface with methods", func(fmt.Stringer) {}, false},
		{"two results", func() (int, error) { return 0, nil }, false},
		{"non-error result", func() int { return 0 }, false},
		{"error param without withErr", func(error) {}, false},
		{"withErr without error", func(string) {}, true},
		{"withErr no params", func() {}, true},
		{"withErr error not first", func(string, error) {}, true},
		{"withErr two errors", func(error, error) {}, true},
		{"error param in the middle", func(int, error, string) {}, false},
		{"error param and variadic", func(int, error, ...int) {}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, err := New(tt.fn, tt.withErr)
			if err == nil {
				t.Fatalf("New(%T, %v) = %v, want an error", tt.fn, tt.withErr, h)
			}
			t.Log(err)
		})
	}
}

func TestHandlerCallErr(t *testing.T) {
	t.Parallel()
	timeout := errors.New("timeout")
	tests := []struct {
		name string
		fn   func(rec func(...any)) any
		err  error
		data string
		want []any
	}{
		{"error only", func(rec func(...any)) any { return func(err error) { rec(err) } },
			nil, `["x"]`, []any{nil}},
		{"error only timeout", func(rec func(...any)) any { return func(err error) { rec(err) } },
			timeout, ``, []any{timeout}},
		{"typed", func(rec func(...any)) any { return func(err error, s string, n int) { rec(err, s, n) } },
			nil, `["a",2]`, []any{nil, "a", 2}},
		{"typed timeout", func(rec func(...any)) any { return func(err error, s string, n int) { rec(err, s, n) } },
			timeout, ``, []any{timeout, "", 0}},
		{"variadic", func(rec func(...any)) any { return func(err error, v ...any) { rec(err, v) } },
			nil, `[1,"b"]`, []any{nil, []any{1.0, "b"}}},
		{"variadic timeout", func(rec func(...any)) any { return func(err error, v ...any) { rec(err, v) } },
			timeout, ``, []any{timeout, []any(nil)}},
		{"args", func(rec func(...any)) any { return func(err error, a Args) { rec(err, a.Len()) } },
			nil, `[1,2]`, []any{nil, 2}},
		{"args timeout", func(rec func(...any)) any { return func(err error, a Args) { rec(err, a.Len()) } },
			timeout, ``, []any{timeout, 0}},
		{"error result", func(rec func(...any)) any { return func(err error, p *profile) error { rec(err, p); return nil } },
			nil, `[{"name":"n"}]`, []any{nil, &profile{Name: "n"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var r recorder
			h, err := New(tt.fn(r.rec), true)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			var args Args
			if tt.data != "" {
				args = testArgs(t, tt.data)
			}
			if err := h.CallErr("ev", tt.err, args); err != nil {
				t.Fatalf("callErr: %v", err)
			}
			if !reflect.DeepEqual(r.got, tt.want) {
				t.Errorf("handler got %#v, want %#v", r.got, tt.want)
			}
		})
	}
}

func TestHandlerCallErrDecodeError(t *testing.T) {
	t.Parallel()
	called := false
	h, err := New(func(err error, n int) { called = true }, true)
	if err != nil {
		t.Fatal(err)
	}
	err = h.CallErr("ev", nil, testArgs(t, `["x"]`))
	var ae *ArgError
	if !errors.As(err, &ae) || ae.Index != 0 || called {
		t.Errorf("callErr = %v, called %v; want an *ArgError for argument 0", err, called)
	}
}

func TestHandlerCallErrWithAck(t *testing.T) {
	t.Parallel()
	// An acknowledgement has no acknowledgement of its own: the ack
	// parameter, if any, gets the no-op.
	var r recorder
	h, err := New(func(err error, s string, ack AckFunc) { ack(1); r.rec(err, s) }, true)
	if err != nil {
		t.Fatal(err)
	}
	timeout := errors.New("timeout")
	for _, e := range []error{nil, timeout} {
		if err := h.CallErr("ev", e, testArgs(t, `["a"]`)); err != nil || !r.called {
			t.Errorf("callErr(%v) = %v, called %v", e, err, r.called)
		}
	}
	if !reflect.DeepEqual(r.got, []any{timeout, ""}) {
		t.Errorf("handler got %#v", r.got)
	}
}

func TestHandlerCallErrWithoutErrParam(t *testing.T) {
	t.Parallel()
	var r recorder
	h, _ := New(func(s string) { r.rec(s) }, false)
	timeout := errors.New("timeout")
	if err := h.CallErr("ev", timeout, testArgs(t, `["a"]`)); err != timeout || r.called {
		t.Errorf("callErr(timeout) = %v, called %v", err, r.called)
	}
	if err := h.CallErr("ev", nil, testArgs(t, `["a"]`)); err != nil || !reflect.DeepEqual(r.got, []any{"a"}) {
		t.Errorf("callErr(nil) = %v, got %#v", err, r.got)
	}
	// call on a withErr handler passes a nil error.
	hw, _ := New(func(err error, s string) { r.rec(err, s) }, true)
	if err := hw.Call("ev", testArgs(t, `["b"]`), nil); err != nil || !reflect.DeepEqual(r.got, []any{nil, "b"}) {
		t.Errorf("call on a withErr handler = %v, got %#v", err, r.got)
	}
}

func BenchmarkCall(b *testing.B) {
	type message struct {
		Room string   `json:"room"`
		Text string   `json:"text"`
		Tags []string `json:"tags"`
	}
	ack := AckFunc(func(...any) {})
	png := make([]byte, 1024)
	benchmarks := []struct {
		name string
		fn   any
		data string
		att  [][]byte
	}{
		{"NoArgs", func() {}, `[]`, nil},
		{"String", func(string) {}, `["hello world"]`, nil},
		{"StringAck", func(string, AckFunc) {}, `["hello world"]`, nil},
		{"Raw", func(json.RawMessage) {}, `[{"room":"r","text":"hello"}]`, nil},
		{"Args", func(Args) {}, `["hello",1]`, nil},
		{"ArgsAck", func(Args, AckFunc) {}, `["hello",1]`, nil},
		{"VariadicAny", func(...any) {}, `["hello",1]`, nil},
		{"StringInt", func(string, int) {}, `["hello",1]`, nil},
		{"Struct", func(message) {}, `[{"room":"lobby","text":"hello world","tags":["a","b"]}]`, nil},
		{"StructPointerAck", func(*message, AckFunc) error { return nil },
			`[{"room":"lobby","text":"hello world","tags":["a","b"]}]`, nil},
		{"Bytes", func(string, []byte) {}, `["a.png",{"_placeholder":true,"num":0}]`, [][]byte{png}},
	}
	for _, bm := range benchmarks {
		b.Run(bm.name, func(b *testing.B) {
			h, err := New(bm.fn, false)
			if err != nil {
				b.Fatal(err)
			}
			args := testArgs(b, bm.data, bm.att...)
			b.ReportAllocs()
			for b.Loop() {
				if err := h.Call("chat", args, ack); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// FuzzScalarDecode checks that the shortcut for numbers and booleans gives
// what encoding/json gives, errors included.
func FuzzScalarDecode(f *testing.F) {
	for _, s := range []string{`0`, `-0`, `1`, `-1`, `255`, `256`, `-129`, `1.5`, `1e3`, `007`, `true`, `null`,
		`"1"`, `999999999999999`, `9999999999999999`, `-9223372036854775808`, `18446744073709551615`} {
		f.Add(s)
	}
	types := []reflect.Type{
		reflect.TypeFor[int](), reflect.TypeFor[int8](), reflect.TypeFor[int64](),
		reflect.TypeFor[uint](), reflect.TypeFor[uint8](), reflect.TypeFor[float32](),
		reflect.TypeFor[float64](), reflect.TypeFor[bool](),
	}
	f.Fuzz(func(t *testing.T, arg string) {
		if !json.Valid([]byte(arg)) {
			return
		}
		a := NewArgs([]json.RawMessage{json.RawMessage(arg)}, nil)
		for _, p := range types {
			fast, errFast := decodeScalarValue(a, 0, p)
			slow, errSlow := decodeValue(a, 0, p)
			if (errFast == nil) != (errSlow == nil) || (errFast == nil && fast.Interface() != slow.Interface()) {
				t.Errorf("%s into %v: got %v, %v; encoding/json %v, %v", arg, p, fast, errFast, slow, errSlow)
			}
		}
	})
}
