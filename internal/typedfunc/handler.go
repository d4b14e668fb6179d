package typedfunc

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sync"
)

// AckFunc answers an acknowledgement request: its arguments are sent back to
// the peer. Calling it more than once has no effect after the first call.
//
// A handler that takes an AckFunc receives a no-op one when the peer asked
// for no acknowledgement, so that it may call it without checking.
type AckFunc func(args ...any)

// ErrMissingArgument is the Err of an ArgError for an argument the peer
// did not send, for a parameter that has no "absent" value: Go has no
// undefined, and a zero value ("", 0, false, an empty struct) would pass
// for one the peer sent.
var ErrMissingArgument = errors.New("missing argument")

// ArgError says an event's arguments did not fit the handler's parameters.
// The handler is not called then, unless it has an error parameter to
// receive it.
type ArgError struct {
	Event string       // the event name
	Index int          // the index of the argument, the event name not counted
	Want  reflect.Type // the parameter type it did not decode into
	Err   error        // the decoding error
}

// Error names the event, the argument and the wanted type, since that is what
// a developer needs to find the handler that does not match its client.
func (e *ArgError) Error() string {
	return fmt.Sprintf("event %q argument %d: want %v: %v", e.Event, e.Index, e.Want, e.Err)
}

// Unwrap returns the decoding error.
func (e *ArgError) Unwrap() error { return e.Err }

var (
	errorType  = reflect.TypeFor[error]()
	argsType   = reflect.TypeFor[Args]()
	ackType    = reflect.TypeFor[AckFunc]()
	rawType    = reflect.TypeFor[json.RawMessage]()
	stringType = reflect.TypeFor[string]()
	anyType    = reflect.TypeFor[any]()
	nilError   = reflect.Zero(errorType)
)

// noAck is the ack callback of an event whose peer asked for none.
func noAck(...any) {}

// orNoAck returns ack, or noAck when it is nil.
func orNoAck(ack AckFunc) AckFunc {
	if ack == nil {
		return noAck
	}
	return ack
}

// Handler is a user function with its parameter decoders, built once by
// New so that a received event costs no type analysis.
type Handler struct {
	fv     reflect.Value
	fast   fastFunc // non-nil when fn has a shape called without reflection
	*shape          // shared by every handler of the same function type
}

// shape is what New derives from a function's type alone. Servers
// register the same handlers (often the same closures) on every socket,
// so it is built once per type and shared: per socket, a handler then
// costs its function value only.
type shape struct {
	params     []param // the data parameters; params[j] takes argument j on
	numIn      int
	withErr    bool         // the first parameter is an error
	argErrAt   int          // index of the parameter receiving decode errors, -1 when none
	variadic   bool         // the last data parameter is variadic
	ack        reflect.Type // the type of the ack parameter, nil when none
	noAck      reflect.Value
	returnsErr bool
	pub        *Public // the types the handler takes and its errors are shown as
}

type shapeKey struct {
	t       reflect.Type
	withErr bool
	pub     *Public
}

var shapes sync.Map // shapeKey -> *shape

// fastFunc calls a handler of a common shape without reflect.Value.Call.
type fastFunc func(event string, a Args, ack AckFunc) error

// param is one data parameter of a handler.
type param struct {
	typ    reflect.Type
	decode decoder
}

// decoder builds the value of a parameter from the arguments, starting at
// argument i (the variadic and Args parameters take all from i on).
type decoder func(event string, a Args, i int) (reflect.Value, error)

// New validates fn and prepares its decoders. Accepted shapes,
// each returning nothing or a single error:
//   - func(), func(T1, ..., Tn), variadic func(T1, ..., ...Tn);
//   - a last parameter of type AckFunc or func(...any), which receives the ack
//     callback (a no-op when the peer asked for no ack);
//   - with withErr, a first parameter of type error, for ack callbacks with a
//     timeout: it receives the timeout error;
//   - a parameter of type Args, which must be the last data parameter,
//     receives all remaining arguments;
//   - a parameter of type error after the data parameters (before the ack
//     callback) receives the *ArgError of arguments that do not fit, as
//     socketioxide's TryData does: the function is then called anyway, the
//     parameters from the failing one on holding zero values, instead of
//     not at all. It is nil when every argument decoded.
//
// A missing argument (the peer sent fewer) leaves a parameter whose type
// has a nil value (pointer, interface, slice, map, json.RawMessage) nil,
// and Args empty; for any other type it is an ArgError wrapping
// ErrMissingArgument.
//
// Any other parameter type T is decoded from its argument as Args.Decode
// does. Channel, function, complex and non-empty interface types cannot be
// decoded from JSON and are refused here rather than on the first event.
func New(fn any, withErr bool) (*Handler, error) { return own.New(fn, withErr) }

// New is the package's New for a handler that takes p's public types.
func (p *Public) New(fn any, withErr bool) (*Handler, error) {
	t := reflect.TypeOf(fn)
	if t == nil || t.Kind() != reflect.Func {
		return nil, fmt.Errorf("handler is %T, not a function", fn)
	}
	fv := reflect.ValueOf(fn)
	if fv.IsNil() {
		return nil, fmt.Errorf("handler is a nil %v", t)
	}
	sh, err := shapeOf(t, withErr, p)
	if err != nil {
		return nil, err
	}
	h := &Handler{fv: fv, shape: sh}
	if !withErr {
		h.fast = p.fast(fn)
	}
	return h, nil
}

// shapeOf returns the shared shape of function type t.
func shapeOf(t reflect.Type, withErr bool, pub *Public) (*shape, error) {
	key := shapeKey{t, withErr, pub}
	if sh, ok := shapes.Load(key); ok {
		return sh.(*shape), nil
	}
	sh := &shape{numIn: t.NumIn(), withErr: withErr, variadic: t.IsVariadic(), argErrAt: -1, pub: pub}
	if err := sh.checkResults(t); err != nil {
		return nil, err
	}
	if err := sh.buildParams(t); err != nil {
		return nil, err
	}
	v, _ := shapes.LoadOrStore(key, sh)
	return v.(*shape), nil
}

// checkResults accepts no result or a single error.
func (h *shape) checkResults(t reflect.Type) error {
	switch {
	case t.NumOut() == 0:
		return nil
	case t.NumOut() == 1 && t.Out(0) == errorType:
		h.returnsErr = true
		return nil
	}
	return fmt.Errorf("handler %v: results must be nothing or a single error", t)
}

// buildParams sets aside the error and ack parameters and builds a decoder
// for each data parameter between them.
func (h *shape) buildParams(t reflect.Type) error {
	first, end := 0, t.NumIn()
	if h.withErr {
		if end == 0 || t.In(0) != errorType {
			return fmt.Errorf("ack handler %v: first parameter must be error", t)
		}
		first = 1
	}
	if end > first && !h.variadic && isAckType(t.In(end-1)) {
		h.ack = t.In(end - 1)
		h.noAck = reflect.ValueOf(AckFunc(noAck)).Convert(h.ack)
		end--
	}
	// An error parameter needs data parameters before it: without them it
	// would never be set, and it is more likely an ack callback of
	// func(error) given where no timeout makes one.
	if end-1 > first && !h.variadic && t.In(end-1) == errorType {
		h.argErrAt = end - 1
		end--
	}
	for i := first; i < end; i++ {
		d, err := h.paramDecoder(t.In(i), i == end-1)
		if err != nil {
			return fmt.Errorf("handler %v: parameter %d: %w", t, i, err)
		}
		h.params = append(h.params, param{typ: t.In(i), decode: d})
	}
	return nil
}

// isAckType reports whether t is AckFunc or a type with its underlying type,
// such as func(...any).
func isAckType(t reflect.Type) bool {
	return t.Kind() == reflect.Func && t.ConvertibleTo(ackType)
}

// paramDecoder returns the decoder of a data parameter of type p; last tells
// whether it is the last data parameter.
func (h *shape) paramDecoder(p reflect.Type, last bool) (decoder, error) {
	switch {
	case isAckType(p):
		return nil, fmt.Errorf("ack callback %v must be the last parameter", p)
	case p == errorType:
		return nil, errors.New("type error is only allowed after the data parameters, or first in an ack callback with a timeout")
	case p == h.pub.argsType && !last:
		return nil, errors.New("a parameter of type Args must be the last data parameter")
	case p == h.pub.argsType:
		wrap := h.pub.args
		return func(_ string, a Args, i int) (reflect.Value, error) { return wrap(a.slice(i)), nil }, nil
	case last && h.variadic:
		if err := checkDecodable(p.Elem(), h.pub); err != nil {
			return nil, err
		}
		return variadicDecoder(p), nil
	}
	if err := checkDecodable(p, h.pub); err != nil {
		return nil, err
	}
	return valueDecoder(p), nil
}

// checkDecodable refuses the types that encoding/json can never fill.
func checkDecodable(p reflect.Type, pub *Public) error {
	for p.Kind() == reflect.Pointer {
		p = p.Elem()
	}
	switch p.Kind() {
	case reflect.Chan, reflect.Func, reflect.UnsafePointer, reflect.Complex64, reflect.Complex128:
		return fmt.Errorf("type %v cannot be decoded from JSON", p)
	case reflect.Interface:
		if p.NumMethod() > 0 {
			return fmt.Errorf("interface type %v cannot be decoded from JSON", p)
		}
	}
	if p == pub.argsType {
		return fmt.Errorf("use Args, not a pointer to it or a variadic of it")
	}
	return nil
}

// valueDecoder returns the decoder of a parameter that takes one argument,
// with shortcuts for the common types. A missing argument gives nil for
// types that have it, the closest Go has to JavaScript's undefined, and
// an error for the others.
func valueDecoder(p reflect.Type) decoder {
	zero := reflect.Zero(p)
	missing := error(nil)
	if !nilable(p) {
		missing = ErrMissingArgument
	}
	decode := decodeValue
	switch p {
	case stringType:
		decode = decodeStringValue
	case rawType:
		decode = decodeRawValue
	case anyType:
		decode = decodeAnyValue
	default:
		if isScalar(p.Kind()) {
			decode = decodeScalarValue
		}
	}
	return func(event string, a Args, i int) (reflect.Value, error) {
		if i >= a.Len() {
			if missing != nil {
				return zero, &ArgError{Event: event, Index: i, Want: p, Err: missing}
			}
			return zero, nil
		}
		v, err := decode(a, i, p)
		if err != nil {
			return zero, &ArgError{Event: event, Index: i, Want: p, Err: err}
		}
		return v, nil
	}
}

// nilable reports whether the zero value of p is nil.
func nilable(p reflect.Type) bool {
	switch p.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Map:
		return true
	}
	return false
}

// decodeValue is the general decoder: Args.Decode into a new value of type p.
func decodeValue(a Args, i int, p reflect.Type) (reflect.Value, error) {
	ptr := reflect.New(p)
	err := a.Decode(i, ptr.Interface())
	return ptr.Elem(), err
}

func decodeStringValue(a Args, i int, _ reflect.Type) (reflect.Value, error) {
	s, err := a.decodeString(i)
	return reflect.ValueOf(s), err
}

func decodeRawValue(a Args, i int, _ reflect.Type) (reflect.Value, error) {
	raw, err := a.decodeRaw(i)
	return reflect.ValueOf(raw), err
}

// decodeAnyValue returns the value's own type, which Call converts to any; a
// JSON null gives the zero any, since reflect.ValueOf(nil) is no value.
func decodeAnyValue(a Args, i int, _ reflect.Type) (reflect.Value, error) {
	var x any
	if err := a.Decode(i, &x); err != nil || x == nil {
		return reflect.Zero(anyType), err
	}
	return reflect.ValueOf(x), nil
}

// isScalar reports whether k is a kind that decodeScalarValue handles.
func isScalar(k reflect.Kind) bool {
	switch k {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

// decodeScalarValue decodes booleans and integer literals without
// encoding/json, which costs several times more than the parse itself.
// Anything else (fractions, exponents, overflow, null, a string) goes to
// encoding/json for its result or its error, so the outcome is the same.
func decodeScalarValue(a Args, i int, p reflect.Type) (reflect.Value, error) {
	v := reflect.New(p).Elem()
	if setScalar(v, a.raw[i]) {
		return v, nil
	}
	return decodeValue(a, i, p)
}

// setScalar sets v, of a kind isScalar accepts, from raw when raw is a
// boolean or an integer that fits v exactly.
func setScalar(v reflect.Value, raw []byte) bool {
	if v.Kind() == reflect.Bool {
		switch string(raw) {
		case "true":
			v.SetBool(true)
			return true
		case "false":
			return true
		}
		return false
	}
	n, ok := parseSmallInt(raw)
	if !ok {
		return false
	}
	switch {
	case v.CanInt() && !v.OverflowInt(n):
		v.SetInt(n)
	case v.CanUint() && n >= 0 && !v.OverflowUint(uint64(n)):
		v.SetUint(uint64(n))
	case v.CanFloat():
		// float64(n) is exact below 2^53, so a float32 is rounded once, from
		// the exact value, as encoding/json rounds it.
		v.SetFloat(float64(n))
	default:
		return false
	}
	return true
}

// parseSmallInt parses a JSON integer of at most 15 digits, small enough
// to be exact in an int64 and a float64.
func parseSmallInt(raw []byte) (int64, bool) {
	neg := len(raw) > 0 && raw[0] == '-'
	digits := raw
	if neg {
		digits = raw[1:]
	}
	if len(digits) == 0 || len(digits) > 15 || (digits[0] == '0' && len(digits) > 1) {
		return 0, false
	}
	var n int64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		// -0 is left to encoding/json: a float -0, an error for unsigned.
		return -n, n != 0
	}
	return n, true
}

// variadicDecoder returns the decoder of a variadic parameter of slice type
// p: each remaining argument becomes an element.
func variadicDecoder(p reflect.Type) decoder {
	elem := valueDecoder(p.Elem())
	return func(event string, a Args, i int) (reflect.Value, error) {
		n := a.Len() - i
		if n <= 0 {
			return reflect.Zero(p), nil
		}
		s := reflect.MakeSlice(p, n, n)
		for k := range n {
			v, err := elem(event, a, i+k)
			if err != nil {
				return reflect.Value{}, err
			}
			s.Index(k).Set(v)
		}
		return s, nil
	}
}

// WantsAck reports whether fn takes an ack callback.
func (h *Handler) WantsAck() bool { return h.ack != nil }

// Call decodes args and calls the function. ack is nil when the peer asked
// for no acknowledgement. A decode failure returns *ArgError and does not
// call fn (the public ArgError of a handler built by Public.New); the
// function's own error result is returned as is.
func (h *Handler) Call(event string, args Args, ack AckFunc) error {
	if h.fast != nil {
		return h.pub.public(h.fast(event, args, ack))
	}
	return h.invoke(event, nilError, args, ack)
}

// CallErr is for withErr handlers: err is passed as the first parameter, and
// when it is not nil all other parameters are zero values (the ack parameter,
// if any, the no-op). A decode failure is handled as in Call.
//
// A handler built without withErr has no error parameter: CallErr returns a
// non-nil err without calling it, and is Call without an ack otherwise.
func (h *Handler) CallErr(event string, err error, args Args) error {
	switch {
	case !h.withErr && err != nil:
		return err
	case !h.withErr:
		return h.Call(event, args, nil)
	case err == nil:
		return h.invoke(event, nilError, args, nil)
	}
	return h.callZero(err)
}

// callZero calls fn with err and zero values, the ack parameter aside.
func (h *Handler) callZero(err error) error {
	in := make([]reflect.Value, h.numIn)
	in[0] = reflect.ValueOf(&err).Elem() // a Value of type error, not of err's
	for j, p := range h.params {
		in[1+j] = reflect.Zero(p.typ)
	}
	if h.argErrAt >= 0 {
		in[h.argErrAt] = nilError
	}
	if h.ack != nil {
		in[h.numIn-1] = h.noAck
	}
	return h.callFn(in)
}

// invoke decodes the data parameters and calls fn through reflection.
func (h *Handler) invoke(event string, errArg reflect.Value, args Args, ack AckFunc) error {
	var buf [8]reflect.Value // most handlers: no allocation for the list
	in := buf[:0]
	if h.numIn > len(buf) {
		in = make([]reflect.Value, h.numIn)
	}
	in = in[:h.numIn]
	k := 0
	if h.withErr {
		in[0] = errArg
		k = 1
	}
	if err := h.decodeParams(event, args, in[k:k+len(h.params)]); err != nil {
		if h.argErrAt < 0 {
			return h.pub.public(err)
		}
		in[h.argErrAt] = errorValue(h.pub.public(err))
	} else if h.argErrAt >= 0 {
		in[h.argErrAt] = nilError
	}
	if h.ack != nil {
		in[h.numIn-1] = h.ackValue(ack)
	}
	return h.callFn(in)
}

// errorValue returns err as a Value of type error, not of err's type. It
// is a function of its own so that only the failing call moves err to the
// heap, not every call of invoke.
func errorValue(err error) reflect.Value { return reflect.ValueOf(&err).Elem() }

// decodeParams decodes the data parameters into in. On an error, the
// failing parameter and those after it are zero values.
func (h *Handler) decodeParams(event string, args Args, in []reflect.Value) error {
	for j, p := range h.params {
		v, err := p.decode(event, args, j)
		if err != nil {
			for ; j < len(h.params); j++ {
				in[j] = reflect.Zero(h.params[j].typ)
			}
			return err
		}
		in[j] = v
	}
	return nil
}

// ackValue returns ack as a value of the ack parameter's type.
func (h *Handler) ackValue(ack AckFunc) reflect.Value {
	switch {
	case ack == nil:
		return h.noAck
	case h.ack == ackType:
		return reflect.ValueOf(ack)
	}
	return reflect.ValueOf(ack).Convert(h.ack)
}

// callFn calls fn with its complete parameter list and returns its error
// result, if it has one.
func (h *Handler) callFn(in []reflect.Value) error {
	var out []reflect.Value
	if h.variadic {
		out = h.fv.CallSlice(in)
	} else {
		out = h.fv.Call(in)
	}
	if h.returnsErr {
		if err, _ := out[0].Interface().(error); err != nil {
			return err
		}
	}
	return nil
}

// fastPath returns a caller for the handler shapes common enough to be
// worth skipping reflect.Value.Call, which allocates and is several times
// slower than a direct call; nil for other shapes. Only the exact
// (unnamed) function types match.
func fastPath(fn any) fastFunc {
	switch f := fn.(type) {
	case func():
		return func(string, Args, AckFunc) error { f(); return nil }
	case func() error:
		return func(string, Args, AckFunc) error { return f() }
	case func(string):
		return fastString(func(s string, _ AckFunc) error { f(s); return nil })
	case func(string) error:
		return fastString(func(s string, _ AckFunc) error { return f(s) })
	case func(string, AckFunc):
		return fastString(func(s string, ack AckFunc) error { f(s, ack); return nil })
	case func(string, AckFunc) error:
		return fastString(f)
	case func(json.RawMessage):
		return fastRaw(func(r json.RawMessage) error { f(r); return nil })
	case func(json.RawMessage) error:
		return fastRaw(f)
	case func(...any):
		return fastValues(func(v []any) error { f(v...); return nil })
	case func(...any) error:
		return fastValues(func(v []any) error { return f(v...) })
	}
	return fastArgs(fn)
}

// fastArgs is fastPath for the shapes taking Args.
func fastArgs(fn any) fastFunc {
	switch f := fn.(type) {
	case func(Args):
		return func(_ string, a Args, _ AckFunc) error { f(a); return nil }
	case func(Args) error:
		return func(_ string, a Args, _ AckFunc) error { return f(a) }
	case func(Args, AckFunc):
		return func(_ string, a Args, ack AckFunc) error { f(a, orNoAck(ack)); return nil }
	case func(Args, AckFunc) error:
		return func(_ string, a Args, ack AckFunc) error { return f(a, orNoAck(ack)) }
	}
	return nil
}

// fastString calls f with the first argument as a string.
func fastString(f func(string, AckFunc) error) fastFunc {
	return func(event string, a Args, ack AckFunc) error {
		if a.Len() == 0 {
			return &ArgError{Event: event, Index: 0, Want: stringType, Err: ErrMissingArgument}
		}
		s, err := a.decodeString(0)
		if err != nil {
			return &ArgError{Event: event, Index: 0, Want: stringType, Err: err}
		}
		return f(s, orNoAck(ack))
	}
}

// fastRaw calls f with the first argument as raw JSON.
func fastRaw(f func(json.RawMessage) error) fastFunc {
	return func(event string, a Args, _ AckFunc) error {
		var raw json.RawMessage
		if a.Len() > 0 {
			var err error
			if raw, err = a.decodeRaw(0); err != nil {
				return &ArgError{Event: event, Index: 0, Want: rawType, Err: err}
			}
		}
		return f(raw)
	}
}

// fastValues calls f with all arguments as any.
func fastValues(f func([]any) error) fastFunc {
	return func(event string, a Args, _ AckFunc) error {
		vals := make([]any, a.Len())
		for i := range vals {
			if err := a.Decode(i, &vals[i]); err != nil {
				return &ArgError{Event: event, Index: i, Want: anyType, Err: err}
			}
		}
		return f(vals)
	}
}
