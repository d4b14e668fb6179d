package typedfunc

import "reflect"

// Public names the types a package shows its users in place of this
// package's own: its Args, a struct wrapping ours, its AckFunc, a
// func(...any) type, and its ArgError, a struct with ArgError's fields.
// socketio declares them as real types so that go doc lists their methods
// (an alias of an internal type shows none); the decoding stays here, once,
// for the server and the client. Handlers built by Public.New take and
// receive the public types, and the decode errors they return or receive
// are the public ArgError.
type Public struct {
	argsType reflect.Type
	args     func(Args) reflect.Value
	argErr   func(*ArgError) error
	fast     func(fn any) fastFunc
}

// own is Public for this package's own types, which New uses.
var own = &Public{
	argsType: argsType,
	args:     func(a Args) reflect.Value { return reflect.ValueOf(a) },
	argErr:   func(e *ArgError) error { return e },
	fast:     fastPath,
}

// NewPublic describes the public types A (made from Args by wrap) and K, and
// argErr, which turns an *ArgError into the public one (a pointer
// conversion when its fields are ArgError's).
func NewPublic[A any, K ~func(...any)](wrap func(Args) A, argErr func(*ArgError) error) *Public {
	return &Public{
		argsType: reflect.TypeFor[A](),
		args:     func(a Args) reflect.Value { return reflect.ValueOf(wrap(a)) },
		argErr:   argErr,
		fast:     func(fn any) fastFunc { return fastPublic[A, K](fn, wrap) },
	}
}

// public returns err with an *ArgError replaced by the public one.
func (p *Public) public(err error) error {
	if ae, ok := err.(*ArgError); ok {
		return p.argErr(ae)
	}
	return err
}

// fastPublic is fastPath for the shapes that take the public Args or
// AckFunc, called without reflection as fastPath's are.
func fastPublic[A any, K ~func(...any)](fn any, wrap func(Args) A) fastFunc {
	switch f := fn.(type) {
	case func(string, K):
		return fastString(func(s string, ack AckFunc) error { f(s, K(ack)); return nil })
	case func(string, K) error:
		return fastString(func(s string, ack AckFunc) error { return f(s, K(ack)) })
	case func(A):
		return func(_ string, a Args, _ AckFunc) error { f(wrap(a)); return nil }
	case func(A) error:
		return func(_ string, a Args, _ AckFunc) error { return f(wrap(a)) }
	case func(A, K):
		return func(_ string, a Args, ack AckFunc) error { f(wrap(a), K(orNoAck(ack))); return nil }
	case func(A, K) error:
		return func(_ string, a Args, ack AckFunc) error { return f(wrap(a), K(orNoAck(ack))) }
	}
	return fastPath(fn)
}
