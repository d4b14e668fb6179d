package typedfunc

import (
	"encoding/json"
	"fmt"
	"reflect"
	"unicode/utf8"

	"github.com/duplexio/duplex/parser"
)

// Args are the arguments of a received event or acknowledgement, kept in
// wire form until decoded.
//
// Decoding is left to the receiver because only it knows the Go types it
// wants, and because a handler that forwards arguments (json.RawMessage,
// Args) should not pay for a decode at all. Binary arguments travel as
// attachments with {"_placeholder":true,"num":N} objects in the JSON; the
// decode methods put the attachments back in their place.
//
// Decoded json.RawMessage and []byte values share memory with the Args:
// they may be kept, but must not be modified. The zero Args has no
// arguments.
type Args struct {
	raw         []json.RawMessage
	attachments [][]byte
	foldKeys    bool // encoding/json's case-insensitive keys (see FoldKeys)
}

// NewArgs takes ownership of raw and attachments: since decoded values share
// their memory, the caller must neither modify nor reuse them afterwards.
func NewArgs(raw []json.RawMessage, attachments [][]byte) Args {
	return Args{raw: raw, attachments: attachments}
}

// Len returns the number of arguments.
func (a Args) Len() int { return len(a.raw) }

// Raw returns the JSON of argument i as received, placeholders still in it,
// or nil when i is out of range.
func (a Args) Raw(i int) json.RawMessage {
	if i < 0 || i >= len(a.raw) {
		return nil
	}
	return a.raw[i]
}

// Attachments returns the binary attachments that the placeholders of all
// arguments index.
func (a Args) Attachments() [][]byte { return a.attachments }

// slice returns the arguments from index from on. The attachments stay
// whole because placeholder numbers index the packet's attachment list, not
// the argument's.
func (a Args) slice(from int) Args {
	if from >= len(a.raw) {
		return Args{attachments: a.attachments, foldKeys: a.foldKeys}
	}
	return Args{raw: a.raw[from:], attachments: a.attachments, foldKeys: a.foldKeys}
}

// Decode decodes argument i into v, which must be a non-nil pointer, with
// encoding/json rules plus binary attachments, and object keys matching
// struct fields exactly, as in JavaScript (encoding/json folds case:
// {"text":"a","TEXT":"b"} would fill a field tagged "text" with "b"):
//   - *[]byte takes a binary argument, or a base64 string as encoding/json
//     does;
//   - *any, *map[string]any and *[]any get generic values with []byte for
//     binary;
//   - *json.RawMessage gets the raw JSON, any placeholders replaced by
//     base64 strings;
//   - anything else is decoded by encoding/json after that same
//     replacement, so []byte fields and elements take binary data. (A
//     binary value under a field of type any therefore arrives as its
//     base64 string; decode into any to get []byte there.)
//
// An index out of range is an error.
func (a Args) Decode(i int, v any) error {
	if i < 0 || i >= len(a.raw) {
		return fmt.Errorf("argument %d out of range (%d arguments)", i, len(a.raw))
	}
	if !a.hasPlaceholder(i) {
		return a.decodePlain(a.raw[i], v)
	}
	return a.decodeBinary(a.raw[i], v)
}

// Scan decodes the first len(dest) arguments into dest, in order, as Decode
// does. Having fewer arguments than dest is an error, and so nothing is
// decoded then.
func (a Args) Scan(dest ...any) error {
	if len(dest) > len(a.raw) {
		return fmt.Errorf("scan of %d values from %d arguments", len(dest), len(a.raw))
	}
	for i, v := range dest {
		if err := a.Decode(i, v); err != nil {
			return fmt.Errorf("argument %d: %w", i, err)
		}
	}
	return nil
}

// Values decodes all arguments as any: numbers become float64, objects
// map[string]any, arrays []any and binary data []byte.
func (a Args) Values() ([]any, error) {
	out := make([]any, len(a.raw))
	for i := range a.raw {
		if err := a.Decode(i, &out[i]); err != nil {
			return nil, fmt.Errorf("argument %d: %w", i, err)
		}
	}
	return out, nil
}

// Forward returns the arguments as values to emit or acknowledge again
// that encode as they were received, as a relay should: an argument
// without binary data is its JSON as it came (a json.RawMessage, so the
// order of object keys is the sender's, where Values' maps would sort
// them); one with binary data is decoded as Values decodes it, so that its
// attachments are sent again (the keys of its objects then come out
// sorted). The parser checked that the JSON is valid, but not what it
// says: validate what you relay.
//
//	s.On("relay", func(a socketio.Args) {
//		vals, err := a.Forward()
//		if err == nil {
//			_ = s.Broadcast().Emit("relay", vals...)
//		}
//	})
func (a Args) Forward() ([]any, error) {
	out := make([]any, len(a.raw))
	for i, raw := range a.raw {
		if !a.hasPlaceholder(i) {
			out[i] = raw
			continue
		}
		if err := a.Decode(i, &out[i]); err != nil {
			return nil, fmt.Errorf("argument %d: %w", i, err)
		}
	}
	return out, nil
}

// hasPlaceholder reports whether argument i may hold a placeholder. Most
// events carry no binary data, and for them this is one length check.
func (a Args) hasPlaceholder(i int) bool {
	return len(a.attachments) > 0 && parser.HasPlaceholder(a.raw[i])
}

// decodeString is the allocation-light path for string parameters: a JSON
// string without escapes is its own text.
func (a Args) decodeString(i int) (string, error) {
	if s, ok := simpleString(a.raw[i]); ok {
		return s, nil
	}
	var s string
	err := a.Decode(i, &s)
	return s, err
}

// decodeRaw returns argument i as JSON with placeholders inlined.
func (a Args) decodeRaw(i int) (json.RawMessage, error) {
	if !a.hasPlaceholder(i) {
		return a.raw[i], nil
	}
	return parser.InlineAttachments(a.raw[i], a.attachments)
}

// decodePlain decodes JSON without placeholders.
func (a Args) decodePlain(raw json.RawMessage, v any) error {
	switch p := v.(type) {
	case *json.RawMessage:
		// Unmarshal would copy; the arguments are immutable, so share.
		if p == nil {
			break
		}
		*p = raw
		return nil
	case *string:
		if s, ok := simpleString(raw); ok && p != nil {
			*p = s
			return nil
		}
	}
	return a.unmarshal(raw, v)
}

// decodeBinary decodes JSON that may hold placeholders.
func (a Args) decodeBinary(raw json.RawMessage, v any) error {
	switch p := v.(type) {
	case *json.RawMessage:
		if p == nil {
			break
		}
		inlined, err := parser.InlineAttachments(raw, a.attachments)
		if err != nil {
			return err
		}
		*p = inlined
		return nil
	case *any, *[]byte, *map[string]any, *[]any:
		if ok, err := a.decodeGeneric(raw, v); ok || err != nil {
			return err
		}
	}
	inlined, err := parser.InlineAttachments(raw, a.attachments)
	if err != nil {
		return err
	}
	return a.unmarshal(inlined, v)
}

// decodeGeneric decodes raw as any with []byte for binary and stores the
// result in *v when its type fits. It reports false when it does not, so
// that the caller's encoding/json path gives the usual error (or, for
// *[]byte, decodes a base64 string). This path hands out the attachments
// themselves, without a base64 round trip.
func (a Args) decodeGeneric(raw json.RawMessage, v any) (bool, error) {
	if reflect.ValueOf(v).IsNil() {
		return false, nil // encoding/json reports it
	}
	var x any
	// Keys do not matter in an any, and encoding/json makes the maps with
	// fewer allocations here (11 against 15 for a small binary event).
	if err := json.Unmarshal(raw, &x); err != nil {
		return false, err
	}
	x, err := parser.ResolveAttachments(x, a.attachments)
	if err != nil {
		return false, err
	}
	dst := reflect.ValueOf(v).Elem()
	if x == nil {
		dst.SetZero()
		return true, nil
	}
	xv := reflect.ValueOf(x)
	if !xv.Type().AssignableTo(dst.Type()) {
		return false, nil
	}
	dst.Set(xv)
	return true, nil
}

// simpleString returns the value of a JSON string that needs no unescaping
// or UTF-8 repair, the common case, without going through encoding/json.
func simpleString(raw []byte) (string, bool) {
	n := len(raw)
	if n < 2 || raw[0] != '"' || raw[n-1] != '"' {
		return "", false
	}
	body := raw[1 : n-1]
	ascii := true
	for _, c := range body {
		if c < 0x20 || c == '"' || c == '\\' {
			return "", false
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	if !ascii && !utf8.Valid(body) {
		return "", false
	}
	return string(body), true
}
