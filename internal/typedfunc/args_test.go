package typedfunc

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/duplexio/duplex/parser"
)

// testArgs splits the JSON array data into Args, as the receive path does
// with the array after the event name.
func testArgs(tb testing.TB, data string, attachments ...[]byte) Args {
	tb.Helper()
	var raw []json.RawMessage
	if err := json.Unmarshal([]byte(data), &raw); err != nil {
		tb.Fatalf("bad test data %s: %v", data, err)
	}
	return NewArgs(raw, attachments)
}

// newOf returns a new *T as any, for tables of decode targets.
func newOf[T any]() any { return new(T) }

type profile struct {
	Name   string `json:"name"`
	Age    int    `json:"age"`
	Avatar []byte `json:"avatar,omitempty"`
}

func TestArgsDecode(t *testing.T) {
	t.Parallel()
	bin := []byte("hi")
	tests := []struct {
		name string
		data string
		att  [][]byte
		into func() any // a new pointer to decode into
		want any        // what it points to afterwards
	}{
		{"string", `["hello"]`, nil, newOf[string], "hello"},
		{"string with escapes", `["a\"b\u00e9\n"]`, nil, newOf[string], "a\"bé\n"},
		{"string utf8", `["héllo ✓"]`, nil, newOf[string], "héllo ✓"},
		{"int", `[42]`, nil, newOf[int], 42},
		{"float", `[1.5]`, nil, newOf[float64], 1.5},
		{"null into int", `[null]`, nil, newOf[int], 0},
		{"struct", `[{"name":"ann","age":7}]`, nil, newOf[profile], profile{Name: "ann", Age: 7}},
		{"map", `[{"a":1,"b":2}]`, nil, newOf[map[string]int], map[string]int{"a": 1, "b": 2}},
		{"slice", `[["x","y"]]`, nil, newOf[[]string], []string{"x", "y"}},
		{"any number", `[3]`, nil, newOf[any], 3.0},
		{"any object", `[{"a":[1,"b"]}]`, nil, newOf[any], map[string]any{"a": []any{1.0, "b"}}},
		{"any null", `[null]`, nil, newOf[any], nil},
		{"any binary", `[{"_placeholder":true,"num":0}]`, [][]byte{bin}, newOf[any], bin},
		{"any nested binary", `[{"f":[{"_placeholder":true,"num":1}]}]`, [][]byte{nil, bin}, newOf[any],
			map[string]any{"f": []any{bin}}},
		{"map any binary", `[{"f":{"_placeholder":true,"num":0}}]`, [][]byte{bin}, newOf[map[string]any],
			map[string]any{"f": bin}},
		{"slice any binary", `[[1,{"_placeholder":true,"num":0}]]`, [][]byte{bin}, newOf[[]any], []any{1.0, bin}},
		{"bytes placeholder", `[{"_placeholder":true,"num":0}]`, [][]byte{bin}, newOf[[]byte], bin},
		{"bytes base64", `["aGk="]`, nil, newOf[[]byte], bin},
		{"bytes base64 in binary packet", `["aGk="]`, [][]byte{[]byte("other")}, newOf[[]byte], bin},
		{"bytes escaped base64 in binary packet", `["\u0061Gk="]`, [][]byte{[]byte("other")}, newOf[[]byte], bin},
		{"struct bytes placeholder", `[{"name":"ann","avatar":{"_placeholder":true,"num":0}}]`, [][]byte{bin},
			newOf[profile], profile{Name: "ann", Avatar: bin}},
		{"slice of bytes", `[[{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}]]`,
			[][]byte{[]byte("a"), []byte("b")}, newOf[[][]byte], [][]byte{[]byte("b"), []byte("a")}},
		{"raw", `[{"a": 1}]`, nil, newOf[json.RawMessage], json.RawMessage(`{"a": 1}`)},
		{"raw binary inlined", `[{"a":{"_placeholder":true,"num":0}}]`, [][]byte{bin}, newOf[json.RawMessage],
			json.RawMessage(`{"a":"aGk="}`)},
		{"placeholder without attachments is data", `[{"_placeholder":true,"num":0}]`, nil, newOf[any],
			map[string]any{"_placeholder": true, "num": 0.0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := tt.into()
			if err := testArgs(t, tt.data, tt.att...).Decode(0, v); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if got := reflect.ValueOf(v).Elem().Interface(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Decode = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestArgsDecodeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data string
		att  [][]byte
		i    int
		into any
	}{
		{"index too large", `[1]`, nil, 1, new(int)},
		{"negative index", `[1]`, nil, -1, new(int)},
		{"string into int", `["x"]`, nil, 0, new(int)},
		{"float into int", `[1.5]`, nil, 0, new(int)},
		{"object into string", `[{}]`, nil, 0, new(string)},
		{"not a pointer", `[1]`, nil, 0, 0},
		{"nil pointer", `[1]`, nil, 0, (*int)(nil)},
		{"nil any pointer binary", `[{"_placeholder":true,"num":0}]`, [][]byte{{1}}, 0, (*any)(nil)},
		{"bad base64", `["!!"]`, nil, 0, new([]byte)},
		{"placeholder num out of range", `[{"_placeholder":true,"num":3}]`, [][]byte{{1}}, 0, new(any)},
		{"placeholder num out of range raw", `[{"_placeholder":true,"num":3}]`, [][]byte{{1}}, 0,
			new(json.RawMessage)},
		{"placeholder num out of range struct", `[{"avatar":{"_placeholder":true,"num":3}}]`, [][]byte{{1}}, 0,
			new(profile)},
		{"binary into map", `[{"_placeholder":true,"num":0}]`, [][]byte{{1}}, 0, new(map[string]any)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := testArgs(t, tt.data, tt.att...).Decode(tt.i, tt.into); err == nil {
				t.Errorf("Decode(%d, %T) of %s: no error", tt.i, tt.into, tt.data)
			}
		})
	}
}

func TestArgsScan(t *testing.T) {
	t.Parallel()
	a := testArgs(t, `["x",2,{"name":"bo"},"extra"]`)
	var (
		s string
		n int
		p profile
	)
	if err := a.Scan(&s, &n, &p); err != nil {
		t.Fatalf("Scan: %v", err)
	}
	if s != "x" || n != 2 || p.Name != "bo" {
		t.Errorf("Scan = %q, %d, %+v", s, n, p)
	}
	if err := a.Scan(&s, &n, &p, &s, &s); err == nil {
		t.Error("Scan of 5 values from 4 arguments: no error")
	}
	if err := a.Scan(&n); err == nil {
		t.Error("Scan of a string into an int: no error")
	}
}

func TestArgsValues(t *testing.T) {
	t.Parallel()
	bin := []byte{0, 1, 2}
	tests := []struct {
		name string
		data string
		att  [][]byte
		want []any
	}{
		{"empty", `[]`, nil, []any{}},
		{"mixed", `["a",1,true,null,[1],{"k":"v"}]`, nil,
			[]any{"a", 1.0, true, nil, []any{1.0}, map[string]any{"k": "v"}}},
		{"binary", `[{"_placeholder":true,"num":0},{"b":{"_placeholder":true,"num":0}}]`, [][]byte{bin},
			[]any{bin, map[string]any{"b": bin}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := testArgs(t, tt.data, tt.att...).Values()
			if err != nil {
				t.Fatalf("Values: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Values = %#v, want %#v", got, tt.want)
			}
		})
	}
	if _, err := testArgs(t, `[1,{"_placeholder":true,"num":9}]`, bin).Values(); err == nil {
		t.Error("Values with a bad placeholder: no error")
	}
}

func TestArgsAccessors(t *testing.T) {
	t.Parallel()
	att := [][]byte{[]byte("z")}
	a := testArgs(t, `["a",{"_placeholder":true,"num":0},3]`, att...)
	if a.Len() != 3 {
		t.Errorf("Len = %d, want 3", a.Len())
	}
	if got := string(a.Raw(1)); got != `{"_placeholder":true,"num":0}` {
		t.Errorf("Raw(1) = %s", got)
	}
	if a.Raw(3) != nil || a.Raw(-1) != nil {
		t.Error("Raw out of range is not nil")
	}
	if !reflect.DeepEqual(a.Attachments(), att) {
		t.Errorf("Attachments = %q", a.Attachments())
	}
	rest := a.slice(1)
	var b []byte
	if err := rest.Decode(0, &b); err != nil || string(b) != "z" || rest.Len() != 2 {
		t.Errorf("slice(1): Len %d, Decode(0) = %q, %v", rest.Len(), b, err)
	}
	if n := a.slice(5).Len(); n != 0 {
		t.Errorf("slice(5).Len = %d", n)
	}
	if (Args{}).Len() != 0 {
		t.Error("zero Args not empty")
	}
}

func TestSimpleString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw  string
		want string
		ok   bool
	}{
		{`"abc"`, "abc", true},
		{`""`, "", true},
		{`"é✓"`, "é✓", true},
		{`"a\nb"`, "", false},
		{"\"a\xffb\"", "", false},
		{"\"a\tb\"", "", false},
		{`"`, "", false},
		{`abc`, "", false},
		{`"a"b"`, "", false},
	}
	for _, tt := range tests {
		got, ok := simpleString([]byte(tt.raw))
		if got != tt.want || ok != tt.ok {
			t.Errorf("simpleString(%q) = %q, %v, want %q, %v", tt.raw, got, ok, tt.want, tt.ok)
		}
	}
}

// FuzzArgsDecode checks that no argument, however malformed its
// placeholders, makes a decode panic, and that a string decoded by the fast
// path equals encoding/json's result.
func FuzzArgsDecode(f *testing.F) {
	f.Add(`"x"`, []byte("bin"))
	f.Add(`{"_placeholder":true,"num":0}`, []byte("bin"))
	f.Add(`[{"_placeholder":true,"num":1.5},{"\u005fplaceholder":true,"num":0}]`, []byte{})
	f.Add(`{"avatar":{"_placeholder":true,"num":0},"name":"\u00e9"}`, []byte{1})
	f.Fuzz(func(t *testing.T, arg string, bin []byte) {
		if !json.Valid([]byte(arg)) {
			return
		}
		a := NewArgs([]json.RawMessage{json.RawMessage(arg)}, [][]byte{bin})
		for _, v := range []any{new(any), new([]byte), new(profile), new(json.RawMessage), new(map[string]any)} {
			_ = a.Decode(0, v)
		}
		_, _ = a.Values()
		var fast, slow string
		errFast := NewArgs([]json.RawMessage{json.RawMessage(arg)}, nil).Decode(0, &fast)
		errSlow := json.Unmarshal([]byte(arg), &slow)
		if (errFast == nil) != (errSlow == nil) || fast != slow {
			t.Errorf("string %s: got %q, %v; encoding/json %q, %v", arg, fast, errFast, slow, errSlow)
		}
	})
}

// TestArgsForward: arguments re-encode as received, key order included;
// binary ones are decoded so that their attachments travel again.
func TestArgsForward(t *testing.T) {
	t.Parallel()
	bin := []byte("hi")
	a := testArgs(t, `[{"b":1,"a":[2,{"d":0,"c":1}]},"s",{"_placeholder":true,"num":0},null]`, bin)
	vals, err := a.Forward()
	if err != nil {
		t.Fatal(err)
	}
	data, att, err := parser.MarshalArray(vals)
	if err != nil {
		t.Fatal(err)
	}
	if want := `[{"b":1,"a":[2,{"d":0,"c":1}]},"s",{"_placeholder":true,"num":0},null]`; string(data) != want {
		t.Errorf("re-encoded %s, want %s", data, want)
	}
	if len(att) != 1 || string(att[0]) != "hi" {
		t.Errorf("attachments %q, want [hi]", att)
	}
	if _, err := testArgs(t, `[{"_placeholder":true,"num":5}]`, bin).Forward(); err == nil {
		t.Error("Forward of a placeholder without its attachment: no error")
	}
}
