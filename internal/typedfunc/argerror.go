package typedfunc

import (
	"encoding"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
)

// PeerMessage describes e for the peer that sent the arguments, in its
// own terms: the argument's index and the JSON kind wanted ("invalid
// argument 1: want number", "missing argument 0: want string"), without
// Go type names or decoder messages, which say nothing to a JavaScript
// client and something about the server.
func PeerMessage(e *ArgError) string {
	prefix := "invalid argument "
	if errors.Is(e.Err, ErrMissingArgument) {
		prefix = "missing argument "
	}
	return prefix + strconv.Itoa(e.Index) + ": want " + JSONKind(e.Want)
}

var (
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// JSONKind names the JSON value that decodes into t, as JavaScript's
// typeof would name it ("string", "number", "boolean", "object", "array",
// "binary"), or "value" when t decodes itself or takes anything.
func JSONKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(jsonUnmarshalerType) {
		return "value"
	}
	if reflect.PointerTo(t).Implements(textUnmarshalerType) {
		return "string"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Struct, reflect.Map:
		return "object"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return "binary"
		}
		return "array"
	case reflect.Array:
		return "array"
	}
	return "value"
}
