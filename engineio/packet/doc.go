// Package packet encodes and decodes Engine.IO v4 packets.
//
// An Engine.IO packet is a one-character type followed by its data. Over
// WebSocket each packet is one frame: a text frame holds the type digit and
// the text data, a binary frame is a Message packet whose data is the whole
// frame. Over HTTP long-polling several packets travel in one body, joined by
// the record separator 0x1e, and binary data is sent as 'b' followed by its
// standard base64 form, because a polling body is text.
//
// The package is a pure codec: it knows nothing of transports, sessions or
// Socket.IO, does no I/O and keeps no state. Decoded data aliases the input so
// that the hot path of a WebSocket frame does not copy; callers that reuse
// their read buffers must copy what they keep.
package packet
