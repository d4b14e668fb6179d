// Package typedfunc calls ordinary Go functions with the arguments of a
// Socket.IO event: it checks a function's shape once, builds a decoder per
// parameter, and then decodes each event's JSON arguments (binary
// attachments included) straight into the parameters.
//
// It is shared by the client and meant to be shared by the server, so that
// a handler is written the same way on both sides:
//
//	func(name string, n int, ack AckFunc)
//	func(doc Document) error
//	func(args Args)
//
// Args keeps the arguments in wire form until a receiver decodes them, and
// AckFunc answers an acknowledgement request. The packages above export
// them under their own names (as type aliases), so users never import this
// one.
package typedfunc
