package socketio

import (
	"encoding/json"
	"reflect"

	"github.com/duplexio/duplex/internal/typedfunc"
)

// The typed-handler machinery is internal/typedfunc, shared with package
// client. Args, AckFunc and ArgError are real types of this package, so
// that go doc shows them with their methods; typedfunc decodes into them
// through the typedfunc.Public below (see its doc).

// Args are the arguments of a received event or acknowledgement, kept in
// wire form until decoded (Decode, Scan, Values, Forward): only the
// receiver knows the Go types it wants, and a handler that forwards
// arguments should not pay for a decode at all. Binary arguments travel as
// attachments with {"_placeholder":true,"num":N} objects in the JSON; the
// decode methods put the attachments back in their place.
//
// Decoded json.RawMessage and []byte values share memory with the Args:
// they may be kept, but must not be modified. The zero Args has no
// arguments.
type Args struct{ a typedfunc.Args }

// Len returns the number of arguments.
func (a Args) Len() int { return a.a.Len() }

// Raw returns the JSON of argument i as received, placeholders still in
// it, or nil when i is out of range.
func (a Args) Raw(i int) json.RawMessage { return a.a.Raw(i) }

// Attachments returns the binary attachments that the placeholders of all
// arguments index.
func (a Args) Attachments() [][]byte { return a.a.Attachments() }

// Decode decodes argument i into v, which must be a non-nil pointer, with
// encoding/json rules plus binary attachments, and object keys matching
// struct fields exactly, as in JavaScript (encoding/json folds case:
// {"text":"a","TEXT":"b"} would fill a field tagged "text" with "b"; see
// Options.CaseInsensitiveKeys):
//   - *[]byte takes a binary argument, or a base64 string as encoding/json
//     does;
//   - *any, *map[string]any and *[]any get generic values with []byte for
//     binary;
//   - *json.RawMessage gets the raw JSON, any placeholders replaced by
//     base64 strings;
//   - anything else is decoded by encoding/json after that same
//     replacement, so []byte fields and elements take binary data.
//
// An index out of range is an error.
func (a Args) Decode(i int, v any) error { return a.a.Decode(i, v) }

// Scan decodes the first len(dest) arguments into dest, in order, as
// Decode does. Having fewer arguments than dest is an error, and so nothing
// is decoded then.
func (a Args) Scan(dest ...any) error { return a.a.Scan(dest...) }

// Values decodes all arguments as any: numbers become float64, objects
// map[string]any, arrays []any and binary data []byte.
func (a Args) Values() ([]any, error) { return a.a.Values() }

// Forward returns the arguments as values to emit or acknowledge again
// that encode as they were received, as a relay should: an argument
// without binary data is its JSON as it came (a json.RawMessage, keeping
// the sender's order of object keys); one with binary data is decoded as
// Values decodes it, so that its attachments are sent again. The parser
// checked that the JSON is valid, but not what it says: validate what you
// relay.
//
//	s.On("relay", func(a socketio.Args) {
//		vals, err := a.Forward()
//		if err == nil {
//			_ = s.Broadcast().Emit("relay", vals...)
//		}
//	})
func (a Args) Forward() ([]any, error) { return a.a.Forward() }

// AckFunc answers an acknowledgement request: its arguments are sent back
// to the client. Only its first call sends. A handler that takes an
// AckFunc receives a no-op one when the client asked for no
// acknowledgement, so that it may call it without checking.
type AckFunc func(args ...any)

// ArgError says an event's arguments did not fit the handler's
// parameters. The handler is not called then, unless it has an error
// parameter to receive it (see Socket.On).
type ArgError struct {
	Event string       // the event name
	Index int          // the index of the argument, the event name not counted
	Want  reflect.Type // the parameter type it did not decode into
	Err   error        // the decoding error, ErrMissingArgument for one not sent
}

// Error names the event, the argument and the wanted type, since that is
// what a developer needs to find the handler that does not match its
// client.
func (e *ArgError) Error() string { return (*typedfunc.ArgError)(e).Error() }

// Unwrap returns the decoding error.
func (e *ArgError) Unwrap() error { return e.Err }

// ErrMissingArgument is the Err of an ArgError for an argument the client
// did not send, for a parameter that cannot be nil.
var ErrMissingArgument = typedfunc.ErrMissingArgument

// DecodeJSON decodes JSON into v, a non-nil pointer, with the rules of
// typed handlers and Args.Decode by default: encoding/json's, except that
// object keys match struct fields exactly, as in JavaScript. Use it for
// the JSON a handler does not get through its parameters, such as
// Handshake().Auth, so that a payload reads the same everywhere:
//
//	var auth struct{ Token string `json:"token"` }
//	err := socketio.DecodeJSON(s.Handshake().Auth, &auth)
func DecodeJSON(data []byte, v any) error { return typedfunc.Unmarshal(data, v) }

// public makes typedfunc's handlers take and report this package's types.
var public = typedfunc.NewPublic[Args, AckFunc](
	func(a typedfunc.Args) Args { return Args{a} },
	func(e *typedfunc.ArgError) error { return (*ArgError)(e) },
)

// eventHandler is a user function with its parameter decoders, built once.
type eventHandler = typedfunc.Handler

func newEventHandler(fn any, withErr bool) (*eventHandler, error) { return public.New(fn, withErr) }

// newArgs returns arguments decoded with the server's rules for keys.
func (s *Server) newArgs(raw []json.RawMessage, attachments [][]byte) Args {
	a := typedfunc.NewArgs(raw, attachments)
	if s.opts.CaseInsensitiveKeys {
		a = typedfunc.FoldKeys(a)
	}
	return Args{a}
}
