package packet

import (
	"bytes"
	"fmt"
)

// Separator is the record separator between packets of a polling payload.
// Engine.IO v4 chose ASCII RS (0x1e) instead of v3's length prefixes because
// it cannot appear in the JSON that Socket.IO sends (JSON escapes control
// characters), so splitting needs no lengths and no counting of UTF-16 units.
const Separator byte = 0x1e

// AppendPayload appends pkts joined by Separator (a polling GET response
// body). Binary packets are written as 'b' + base64, since the body is text.
//
// Text data must not contain Separator: the peer would split the packet in
// two. Socket.IO packets never do; other users of the engine must ensure it.
func AppendPayload(dst []byte, pkts []Packet) []byte {
	for i, p := range pkts {
		if i > 0 {
			dst = append(dst, Separator)
		}
		dst = AppendText(dst, p)
	}
	return dst
}

// DecodePayload splits a polling POST body into packets (each 'b'+base64 is
// a binary Message). Empty body, empty record, unknown type digit, bad base64
// -> error wrapping ErrInvalidPacket.
//
// Text Data aliases body. Where the reference decoder returns the packets
// before the first bad record, DecodePayload returns none: a body with one
// bad record is a broken client, and the session is closed anyway.
func DecodePayload(body []byte) ([]Packet, error) {
	if len(body) == 0 {
		return nil, fmt.Errorf("%w: empty payload", ErrInvalidPacket)
	}
	pkts := make([]Packet, 0, bytes.Count(body, []byte{Separator})+1)
	for {
		rec, rest, more := bytes.Cut(body, []byte{Separator})
		p, err := decodeText(rec)
		if err != nil {
			return nil, fmt.Errorf("%w: record %d: %v", ErrInvalidPacket, len(pkts), err)
		}
		pkts = append(pkts, p)
		if !more {
			break
		}
		body = rest
	}
	return pkts, nil
}
