package socketio

import (
	"encoding/json"

	"github.com/duplexio/duplex/internal/typedfunc"
)

// The typed-handler machinery is shared with package client.

// Args are the arguments of a received event or acknowledgement, kept in
// wire form until decoded (Decode, Scan, Values, Forward).
type Args = typedfunc.Args

// AckFunc answers an acknowledgement request: its arguments are sent back
// to the client. Only its first call sends.
type AckFunc = typedfunc.AckFunc

// ArgError says an event's arguments did not fit the handler's parameters.
type ArgError = typedfunc.ArgError

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

// eventHandler is a user function with its parameter decoders, built once.
type eventHandler = typedfunc.Handler

func newEventHandler(fn any, withErr bool) (*eventHandler, error) { return typedfunc.New(fn, withErr) }

// newArgs returns arguments decoded with the server's rules for keys.
func (s *Server) newArgs(raw []json.RawMessage, attachments [][]byte) Args {
	return s.withKeyRules(typedfunc.NewArgs(raw, attachments))
}

// withKeyRules returns a decoded with the server's rules for keys: exact
// unless Options.CaseInsensitiveKeys.
func (s *Server) withKeyRules(a Args) Args {
	if s.opts.CaseInsensitiveKeys {
		return typedfunc.FoldKeys(a)
	}
	return a
}
