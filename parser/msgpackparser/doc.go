// Package msgpackparser is the Socket.IO packet codec of the npm package
// socket.io-msgpack-parser 3.0.2 (encoding through notepack.io): each packet
// is one binary engine message holding a MessagePack map
// {type, data, nsp, id}, binary values travel inline as MessagePack bin, and
// there are no attachments and no BINARY_EVENT/BINARY_ACK types.
//
// The packets it returns and takes are parser.Packet values in the form the
// rest of Duplex already handles: Data is JSON in which each binary is a
// {"_placeholder":true,"num":N} object naming one of Attachments. Converting
// at the wire edge keeps typed handlers, acks, broadcasts, connection state
// recovery and the cluster adapters (whose wire carries JSON-shaped
// packets) unchanged; docs/msgpack.md lists what the conversion keeps and
// what it cannot (the difference between 1 and 1.0, which JSON and
// JavaScript do not make either).
package msgpackparser
