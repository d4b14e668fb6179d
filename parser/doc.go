// Package parser encodes and decodes Socket.IO v5 packets, the layer that
// rides inside Engine.IO Message packets.
//
// A packet is one text message
//
//	<type>[<attachments>-][<namespace>,][<ack id>][<JSON data>]
//
// for example `2["hello",1]`, `2/admin,12["ev"]` or `0/admin,{"token":"x"}`.
// A packet carrying binary data (BinaryEvent, BinaryAck) replaces each binary
// value in its JSON by a placeholder object {"_placeholder":true,"num":N} and
// is followed by one binary message per attachment, in the order of N:
//
//	51-["upload",{"_placeholder":true,"num":0}]  +  <binary message>
//
// Decoding is strict: a packet that the reference implementation
// (socket.io-parser) would reject is rejected, and so are a few that it lets
// through but that no conforming peer sends (see Decoder). Every error wraps
// ErrInvalidPacket; the server closes the connection on it.
//
// The package is a pure codec with no dependency beyond the standard library.
// JSON payloads are kept as json.RawMessage so that the layer above decides
// how, and whether, to unmarshal them; binary.go holds the helpers that move
// attachments between Go values and the placeholder form.
package parser
