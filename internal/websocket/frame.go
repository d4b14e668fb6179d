package websocket

import (
	"encoding/binary"
	"sync/atomic"
	"unicode/utf8"
)

// WebSocket opcodes (RFC 6455 section 5.2).
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xA
)

// maxHeader is the longest frame header, a masked one (a client's): 2
// bytes, 8 of extended length, 4 of mask key.
const maxHeader = 14

// header is a parsed frame header.
//
// The poller parses headers itself rather than with github.com/gobwas/ws:
// ws.ReadHeader reads from an io.Reader and cannot tell how much of a
// partial header it consumed, so the incremental use here (parse what a
// read returned, keep an incomplete frame's bytes for the next read) would
// need a bytes.Reader per frame and a second pass to learn the header
// size; the format is 14 bytes of fixed layout, checked below against
// every rule of RFC 6455 that applies to a server, and the remaining
// primitives (unmasking, UTF-8, close codes) are a few lines each, so the
// dependency would buy little.
type header struct {
	fin    bool
	rsv    byte
	op     byte
	masked bool
	length uint64
	mask   [4]byte
	size   int // header bytes
}

// parseHeader parses the header at the start of b; ok is false when b
// does not hold all of it yet.
func parseHeader(b []byte) (h header, ok bool) {
	if len(b) < 2 {
		return h, false
	}
	h.fin = b[0]&0x80 != 0
	h.rsv = b[0] & 0x70
	h.op = b[0] & 0x0F
	h.masked = b[1]&0x80 != 0
	h.length = uint64(b[1] & 0x7F)
	h.size = 2
	switch h.length {
	case 126:
		h.size = 4
	case 127:
		h.size = 10
	}
	if h.masked {
		h.size += 4
	}
	if len(b) < h.size {
		return h, false
	}
	switch h.length {
	case 126:
		h.length = uint64(binary.BigEndian.Uint16(b[2:]))
	case 127:
		h.length = binary.BigEndian.Uint64(b[2:])
	}
	if h.masked {
		copy(h.mask[:], b[h.size-4:h.size])
	}
	return h, true
}

// Mask XORs b with a WebSocket mask key, which masks and unmasks alike; a
// client (such as the load tool) masks the frames it sends with it.
func Mask(b []byte, key [4]byte) { unmask(b, key) }

// unmask XORs b with the mask key, 8 bytes at a time: the key repeats
// every 4 bytes, so a 64-bit word of it keeps its phase.
func unmask(b []byte, key [4]byte) {
	if len(b) >= 8 {
		k := uint64(binary.LittleEndian.Uint32(key[:]))
		k |= k << 32
		for len(b) >= 8 {
			binary.LittleEndian.PutUint64(b, binary.LittleEndian.Uint64(b)^k)
			b = b[8:]
		}
	}
	for i := range b {
		b[i] ^= key[i&3]
	}
}

// framer is the read state of one connection: the bytes of an incomplete
// frame and the payload of a fragmented message so far, both nil between
// frames and messages so that an idle connection holds no buffer.
type framer struct {
	h          Handler
	maxPayload int
	client     bool   // reading a server's frames: they must be unmasked
	partial    []byte // an incomplete frame's bytes
	msg        []byte // payload of a fragmented message so far
	msgOp      byte   // its opcode, 0 when no fragmented message is open
	stopped    atomic.Bool
	paused     atomic.Bool // PollConn.Pause: deliver no more until PollConn.Resume
	held       bool        // a pause stopped frames(): partial may hold complete frames
}

// pending reports whether a frame or message is incomplete.
func (f *framer) pending() bool { return len(f.partial) > 0 || f.msgOp != 0 }

// feed parses data just read, with the kept bytes of an incomplete frame
// before it, delivering every complete message. It returns a *FrameError
// to fail the connection or a *CloseError for the peer's close frame.
func (f *framer) feed(data []byte) error {
	if len(f.partial) > 0 {
		f.partial = append(f.partial, data...)
		used, err := f.frames(f.partial)
		if err != nil {
			return err
		}
		if used > 0 {
			f.partial = keep(f.partial[used:])
		}
		return nil
	}
	used, err := f.frames(data)
	if err != nil {
		return err
	}
	f.partial = keep(data[used:])
	return nil
}

// keep copies an incomplete frame's bytes out of a read buffer (or a
// larger partial one), with room for the rest of the frame when its
// header says how long it is, within a read's worth so that a peer
// announcing a large frame does not get its memory before sending it.
func keep(rest []byte) []byte {
	if len(rest) == 0 {
		return nil
	}
	need := maxHeader
	if h, ok := parseHeader(rest); ok {
		need = h.size + int(h.length) // bounded by MaxPayload: checked before
	}
	need = min(need, len(rest)+32<<10)
	b := make([]byte, len(rest), max(need, len(rest)))
	copy(b, rest)
	return b
}

// frames handles the complete frames at the start of b and returns how
// many bytes they took. It stops early, without error, once the
// connection is closed or paused.
func (f *framer) frames(b []byte) (used int, err error) {
	for !f.stopped.Load() {
		if f.paused.Load() {
			// The rest is kept (feed copies it to partial) and parsed
			// first when reading resumes.
			f.held = true
			return used, nil
		}
		h, ok := parseHeader(b[used:])
		if !ok {
			return used, nil
		}
		if err := f.check(&h); err != nil {
			return used, err
		}
		end := used + h.size + int(h.length)
		if end > len(b) {
			return used, nil
		}
		payload := b[used+h.size : end]
		used = end
		if h.masked {
			unmask(payload, h.mask)
		}
		if err := f.frame(&h, payload); err != nil {
			return used, err
		}
	}
	return used, nil
}

// check applies the rules of RFC 6455 section 5 to a frame header, before
// its payload is read: no extension is negotiated, so RSV bits must be 0;
// client frames must be masked, and server frames (read in client mode)
// must not be; control frames are at most 125
// bytes and not fragmented; continuations continue a message; and the
// message must fit MaxPayload.
func (f *framer) check(h *header) error {
	if h.rsv != 0 {
		return errRSV
	}
	if h.masked != !f.client {
		if f.client {
			return errMasked
		}
		return errUnmasked
	}
	if h.length>>63 != 0 {
		return errLength
	}
	switch h.op {
	case opClose, opPing, opPong:
		if !h.fin {
			return errFragControl
		}
		if h.length > 125 {
			return errLongControl
		}
		return nil
	case opContinuation:
		if f.msgOp == 0 {
			return errContinuation
		}
	case opText, opBinary:
		if f.msgOp != 0 {
			return errExpectContinue
		}
	default:
		return errOpcode
	}
	if h.length > uint64(f.maxPayload-len(f.msg)) {
		return errTooBig
	}
	return nil
}

// frame handles one complete, unmasked frame.
func (f *framer) frame(h *header, payload []byte) error {
	switch h.op {
	case opPing:
		f.h.OnPing(payload)
	case opPong:
	case opClose:
		return closeFrame(payload)
	case opText, opBinary:
		if !h.fin {
			f.msgOp = h.op
			f.msg = append([]byte(nil), payload...)
			return nil
		}
		return f.deliver(h.op, payload)
	case opContinuation:
		f.msg = append(f.msg, payload...)
		if !h.fin {
			return nil
		}
		op, msg := f.msgOp, f.msg
		f.msgOp, f.msg = 0, nil
		return f.deliver(op, msg)
	}
	return nil
}

func (f *framer) deliver(op byte, data []byte) error {
	if op == opText && !utf8.Valid(data) {
		return errUTF8
	}
	f.h.OnMessage(data, op == opBinary)
	return nil
}

// closeFrame turns the peer's close frame into the *CloseError to report
// (and echo), or the *FrameError when it is malformed (RFC 6455 5.5.1,
// 7.4).
func closeFrame(payload []byte) error {
	switch len(payload) {
	case 0:
		return &CloseError{Code: CodeNoStatus}
	case 1:
		return errCloseLen
	}
	code := int(binary.BigEndian.Uint16(payload))
	if !validCloseCode(code) {
		return errCloseCode
	}
	reason := payload[2:]
	if !utf8.Valid(reason) {
		return errCloseUTF8
	}
	return &CloseError{Code: code, Reason: string(reason)}
}

// validCloseCode reports whether a peer may send code: the codes defined
// by RFC 6455 and registered with IANA that are not reserved for local
// use (1005, 1006, 1015), and the 3000-4999 range for libraries and
// applications.
func validCloseCode(code int) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014:
		return true
	case code >= 3000 && code <= 4999:
		return true
	}
	return false
}

// closeFrameBytes builds a close frame with code and reason, reason cut
// to fit 125 bytes; code 0 builds an empty close frame. It is a server's
// (unmasked) when mask is nil, else a client's, masked with *mask.
func closeFrameBytes(dst *[6 + 125]byte, code int, reason string, mask *[4]byte) []byte {
	dst[0] = 0x80 | opClose
	p := 2 // payload offset
	if mask != nil {
		copy(dst[2:6], mask[:])
		p = 6
	}
	n := 0
	if code != 0 {
		if len(reason) > 123 {
			reason = reason[:123]
		}
		binary.BigEndian.PutUint16(dst[p:], uint16(code))
		n = 2 + copy(dst[p+2:], reason)
	}
	dst[1] = byte(n)
	if mask != nil {
		dst[1] |= 0x80
		unmask(dst[p:p+n], *mask)
	}
	return dst[:p+n]
}
