package engineio

import (
	"encoding/binary"
	"sync"
)

// Server-to-client WebSocket frames are simple: FIN and the opcode, the
// length in 1, 3 or 9 bytes, no mask, and the payload (permessage-deflate is
// not negotiated). Writing them ourselves lets a writer put a whole batch
// of packets into one buffer and one system call, with no allocation per
// packet. gws does the handshake; internal/wspoll (or gws, where epoll
// cannot be used) does the reading.

const (
	opText   = 0x1
	opBinary = 0x2
	opClose  = 0x8
	opPong   = 0xA
	finBit   = 0x80

	// maxBatchBytes is where a writer flushes its buffer mid-batch, and
	// the largest buffer returned to the pool.
	maxBatchBytes = 64 << 10
)

// appendFrameHeader appends the header of an unmasked final frame carrying
// n bytes.
func appendFrameHeader(dst []byte, opcode byte, n int) []byte {
	dst = append(dst, finBit|opcode)
	switch {
	case n < 126:
		return append(dst, byte(n))
	case n <= 0xFFFF:
		return binary.BigEndian.AppendUint16(append(dst, 126), uint16(n))
	default:
		return binary.BigEndian.AppendUint64(append(dst, 127), uint64(n))
	}
}

// closeFrame returns a close frame with a status code and no reason.
func closeFrame(code uint16) []byte {
	return binary.BigEndian.AppendUint16(appendFrameHeader(make([]byte, 0, 4), opClose, 2), code)
}

var frameBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

func getFrameBuf() *[]byte { return frameBufs.Get().(*[]byte) }

func putFrameBuf(b *[]byte) {
	if cap(*b) <= maxBatchBytes {
		*b = (*b)[:0]
		frameBufs.Put(b)
	}
}
