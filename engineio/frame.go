package engineio

import "sync"

// Frame buffers. The frames themselves are internal/websocket's
// (AppendHeader); a writer frames a whole batch of packets into one pooled
// buffer so that it goes out in one system call with no allocation per
// packet.

// maxBatchBytes is where a writer flushes its buffer mid-batch, and the
// largest buffer returned to the pool.
const maxBatchBytes = 64 << 10

var frameBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

func getFrameBuf() *[]byte { return frameBufs.Get().(*[]byte) }

func putFrameBuf(b *[]byte) {
	if cap(*b) <= maxBatchBytes {
		*b = (*b)[:0]
		frameBufs.Put(b)
	}
}
