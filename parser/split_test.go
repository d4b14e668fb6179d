package parser

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestSplitArray(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
		bad  bool
	}{
		{in: `[]`, want: nil},
		{in: ` [ ] `, want: nil},
		{in: `["a"]`, want: []string{`"a"`}},
		{in: `["a",1,true,null]`, want: []string{`"a"`, `1`, `true`, `null`}},
		{in: `[ "a" , -1.5e3 , {"x":[1,2]} , [[]] ]`, want: []string{`"a"`, `-1.5e3`, `{"x":[1,2]}`, `[[]]`}},
		{in: `["a,]\"[{",{"k":"}"}]`, want: []string{`"a,]\"[{"`, `{"k":"}"}`}},
		{in: `{"a":1}`, bad: true},
		{in: `"a"`, bad: true},
		{in: `["a"`, bad: true},
		{in: `["a" "b"]`, bad: true},
		{in: `["a`, bad: true},
		{in: ``, bad: true},
	}
	for _, tt := range tests {
		got, err := SplitArray([]byte(tt.in), nil)
		if tt.bad {
			if err == nil {
				t.Errorf("SplitArray(%q) = %q, want an error", tt.in, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("SplitArray(%q): %v", tt.in, err)
			continue
		}
		var strs []string
		for _, r := range got {
			strs = append(strs, string(r))
		}
		if !reflect.DeepEqual(strs, tt.want) {
			t.Errorf("SplitArray(%q) = %q, want %q", tt.in, strs, tt.want)
		}
	}
}

// FuzzSplitArray checks SplitArray against encoding/json on valid arrays.
func FuzzSplitArray(f *testing.F) {
	for _, s := range []string{`[]`, `["a",1,{"b":[2,"]"]}]`, `[" \" ",null]`, `[[],{}]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want []json.RawMessage
		if json.Unmarshal([]byte(s), &want) != nil || want == nil {
			_, _ = SplitArray([]byte(s), nil) // must not panic
			return
		}
		got, err := SplitArray([]byte(s), nil)
		if err != nil {
			t.Fatalf("SplitArray(%q): %v", s, err)
		}
		if len(got) != len(want) {
			t.Fatalf("SplitArray(%q) has %d elements, want %d", s, len(got), len(want))
		}
		for i := range got {
			var a, b any
			if json.Unmarshal(got[i], &a) != nil || json.Unmarshal(want[i], &b) != nil || !reflect.DeepEqual(a, b) {
				t.Fatalf("element %d of %q: %q, want %q", i, s, got[i], want[i])
			}
		}
	})
}

func TestEventName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{`"chat"`: "chat", `"a\"b"`: `a"b`, `42`: "42"} {
		if got, err := EventName(json.RawMessage(in)); err != nil || got != want {
			t.Errorf("EventName(%s) = %q, %v; want %q", in, got, err, want)
		}
	}
}
