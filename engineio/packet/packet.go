package packet

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
)

// Type is the type of an Engine.IO packet. On the wire it is the ASCII digit
// '0'+Type.
type Type byte

// The Engine.IO v4 packet types.
const (
	Open    Type = iota // server to client: handshake data (JSON)
	Close               // request to close the transport
	Ping                // heartbeat, sent by the server in v4; "2probe" during upgrade
	Pong                // heartbeat reply; "3probe" during upgrade
	Message             // application data, text or binary
	Upgrade             // client: the transport upgrade is complete
	Noop                // no-op, used to flush a pending poll during upgrade
)

var typeNames = [...]string{"open", "close", "ping", "pong", "message", "upgrade", "noop"}

// String returns the protocol name of t, such as "message", or "Type(n)" for
// a value outside the protocol.
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "Type(" + strconv.Itoa(int(t)) + ")"
}

// Packet is one Engine.IO packet. Data aliases the input it was decoded from.
type Packet struct {
	Type Type
	Data []byte
	// Binary is set only on Message packets carrying binary data: such a
	// packet is a binary WebSocket frame, or 'b'+base64 in a polling body.
	Binary bool
}

// ErrInvalidPacket is wrapped by every decode error of this package.
var ErrInvalidPacket = errors.New("packet: invalid packet")

// binaryPrefix marks a base64-encoded binary Message packet in text form.
const binaryPrefix = 'b'

// b64 is strict so that only the canonical encoding is accepted: decoding
// then re-encoding gives back the same bytes, and there is exactly one wire
// form per value (every Engine.IO client pads and zeroes the trailing bits).
var b64 = base64.StdEncoding.Strict()

// Decode decodes one WebSocket frame: a text frame is a type digit '0'..'6'
// then data; a binary frame is a binary Message packet (data = whole frame).
//
// A text frame may also be 'b' followed by base64, as in a polling payload:
// the JavaScript client sends binary that way over WebSocket when it is
// configured with forceBase64, and the reference server accepts it.
//
// Data aliases frame, except for the 'b' form, which is decoded into a new
// slice.
func Decode(frame []byte, binary bool) (Packet, error) {
	if binary {
		return Packet{Type: Message, Data: frame, Binary: true}, nil
	}
	p, err := decodeText(frame)
	if err != nil {
		return Packet{}, fmt.Errorf("%w: %v", ErrInvalidPacket, err)
	}
	return p, nil
}

// decodeText decodes the text form of one packet, shared by WebSocket text
// frames and the records of a polling payload. Its errors carry only the
// detail; the callers wrap them with ErrInvalidPacket and their context.
func decodeText(text []byte) (Packet, error) {
	if len(text) == 0 {
		return Packet{}, errors.New("empty packet")
	}
	c := text[0]
	if c == binaryPrefix {
		return decodeBase64(text[1:])
	}
	if c < '0' || c > '0'+byte(Noop) {
		return Packet{}, fmt.Errorf("unknown packet type %q", c)
	}
	p := Packet{Type: Type(c - '0')}
	if len(text) > 1 {
		p.Data = text[1:]
	}
	return p, nil
}

func decodeBase64(src []byte) (Packet, error) {
	// encoding/base64 silently skips CR and LF; a strict decoder must not.
	for _, c := range src {
		if c == '\r' || c == '\n' {
			return Packet{}, errors.New("line break in base64 data")
		}
	}
	data := make([]byte, b64.DecodedLen(len(src)))
	n, err := b64.Decode(data, src)
	if err != nil {
		return Packet{}, fmt.Errorf("bad base64 data: %v", err)
	}
	return Packet{Type: Message, Data: data[:n], Binary: true}, nil
}

// AppendText appends the text form of p as used inside a polling payload and
// in a WebSocket text frame: type digit + data; a Binary packet becomes 'b' +
// standard base64 (with padding) of Data.
//
// A transport that can send binary frames writes a Binary packet's Data as
// the frame instead.
func AppendText(dst []byte, p Packet) []byte {
	if p.Binary {
		dst = append(dst, binaryPrefix)
		return b64.AppendEncode(dst, p.Data)
	}
	dst = append(dst, '0'+byte(p.Type))
	return append(dst, p.Data...)
}
