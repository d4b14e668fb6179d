package socketio

import "github.com/duplexio/duplex/internal/typedfunc"

// The typed-handler machinery is shared with package client.

// Args are the arguments of a received event or acknowledgement, kept in
// wire form until decoded (Decode, Scan, Values).
type Args = typedfunc.Args

// AckFunc answers an acknowledgement request: its arguments are sent back
// to the client. Only its first call sends.
type AckFunc = typedfunc.AckFunc

// ArgError says an event's arguments did not fit the handler's parameters.
type ArgError = typedfunc.ArgError

// eventHandler is a user function with its parameter decoders, built once.
type eventHandler = typedfunc.Handler

func newEventHandler(fn any, withErr bool) (*eventHandler, error) { return typedfunc.New(fn, withErr) }

var newArgs = typedfunc.NewArgs
