package parser

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Type is the type of a Socket.IO packet. On the wire it is the ASCII digit
// '0'+Type.
type Type byte

// The Socket.IO v5 packet types.
//
// BinaryEvent and BinaryAck exist only on the wire: a decoded binary packet
// has Type Event or Ack and a non-empty Attachments, as in socket.io-parser,
// and AppendText picks the binary type from Attachments. Code above the
// parser therefore only ever switches on Event and Ack.
const (
	Connect Type = iota
	Disconnect
	Event
	Ack
	ConnectError
	BinaryEvent
	BinaryAck
)

var typeNames = [...]string{"CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK"}

// String returns the protocol name of t, such as "EVENT", or "Type(n)" for a
// value outside the protocol.
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "Type(" + strconv.Itoa(int(t)) + ")"
}

// plain maps the binary types to the type they carry.
func (t Type) plain() Type {
	switch t {
	case BinaryEvent:
		return Event
	case BinaryAck:
		return Ack
	}
	return t
}

// ErrInvalidPacket is wrapped by every decode and validation error of this
// package, with a detail saying what is wrong.
var ErrInvalidPacket = errors.New("parser: invalid packet")

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidPacket, fmt.Sprintf(format, args...))
}

// Packet is one Socket.IO packet. Data is the JSON payload exactly as on the
// wire (nil when absent), which for binary packets still holds
// {"_placeholder":true,"num":N} objects; Attachments are the binary parts in
// order.
type Packet struct {
	Type        Type
	Namespace   string // "/" when absent on the wire; never empty after Decode
	ID          uint64 // ack id, valid when HasID
	HasID       bool
	Data        json.RawMessage
	Attachments [][]byte
}

// AppendText appends the text part of the packet: type digit; for Event/Ack
// with len(Attachments)>0 the type is written as BinaryEvent/BinaryAck (5/6)
// followed by the attachment count and '-'; then the namespace followed by
// ',' when it is not "/"; then the decimal ack id if HasID; then Data. The
// caller sends each attachment as its own binary engine message after the
// text.
//
// BinaryEvent/BinaryAck without attachments are written as Event/Ack, and an
// empty Namespace as "/". AppendText does not check the packet: a namespace
// with a comma, for one, cannot be decoded. Validate does check.
func (p *Packet) AppendText(dst []byte) []byte {
	t := p.Type.plain()
	if n := len(p.Attachments); n > 0 && (t == Event || t == Ack) {
		if t == Event {
			t = BinaryEvent
		} else {
			t = BinaryAck
		}
		dst = append(dst, '0'+byte(t))
		dst = strconv.AppendInt(dst, int64(n), 10)
		dst = append(dst, '-')
	} else {
		dst = append(dst, '0'+byte(t))
	}
	if p.Namespace != "" && p.Namespace != "/" {
		dst = append(dst, p.Namespace...)
		dst = append(dst, ',')
	}
	if p.HasID {
		dst = strconv.AppendUint(dst, p.ID, 10)
	}
	return append(dst, p.Data...)
}

// Validate reports whether p can be sent and decoded back as it is: the
// checks of the Decoder (see there) applied to a packet built in Go. The
// limit on the number of attachments is the Decoder's business and is not
// checked.
func (p *Packet) Validate() error {
	if p.Type > BinaryAck {
		return invalidf("unknown packet type %d", p.Type)
	}
	if err := checkNamespace(p.Namespace); err != nil {
		return err
	}
	t := p.Type.plain()
	if len(p.Attachments) > 0 && t != Event && t != Ack {
		return invalidf("attachments on a %v packet", t)
	}
	if p.HasID && p.ID > maxID {
		return invalidf("ack id %d longer than %d digits", p.ID, maxIDDigits)
	}
	if err := checkData(t, p.Data, p.HasID); err != nil {
		return err
	}
	if len(p.Attachments) > 0 {
		_, err := findPlaceholders(p.Data, len(p.Attachments), nil)
		return err
	}
	return nil
}

func checkNamespace(nsp string) error {
	if nsp == "" {
		return nil
	}
	if nsp[0] != '/' {
		return invalidf("namespace %q does not start with '/'", nsp)
	}
	for i := 0; i < len(nsp); i++ {
		if nsp[i] == ',' {
			// A comma ends the namespace on the wire.
			return invalidf("namespace %q contains a comma", nsp)
		}
	}
	return nil
}
