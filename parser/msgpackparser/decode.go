package msgpackparser

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"

	"github.com/duplexio/duplex/parser"
)

// maxDepth bounds the nesting Decode accepts, as package parser bounds JSON
// (10,000 levels, encoding/json's bound), so that a message of nested
// one-byte arrays cannot exhaust the stack.
const maxDepth = 10000

// Packet types of socket.io-msgpack-parser: only the five plain ones.
const maxType = parser.ConnectError

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: msgpack: %s", parser.ErrInvalidPacket, fmt.Sprintf(format, args...))
}

// Decode decodes one binary engine message. It applies the checks of
// socket.io-msgpack-parser's decoder (type 0..4, nsp a string, data shaped
// by type, id an integer) and then those of parser.Packet.Validate, so that
// a packet refused by the JSON parser's Decoder is refused here too. Keys
// other than type, data, nsp and id are ignored (the official client sends
// its emit options along). The packet does not alias msg.
//
// Every error wraps parser.ErrInvalidPacket.
func Decode(msg []byte) (*parser.Packet, error) {
	r := bytes.NewReader(msg)
	d := msgpack.NewDecoder(r)
	p := new(parser.Packet)
	c := converter{dec: d, in: r, msg: msg}
	if err := c.packet(p); err != nil {
		var inv error
		if errors.Is(err, parser.ErrInvalidPacket) {
			inv = err
		} else {
			inv = invalidf("%v", err)
		}
		return nil, inv
	}
	if r.Len() > 0 {
		return nil, invalidf("trailing bytes")
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// converter turns MessagePack values into JSON, collecting binaries as
// attachments.
type converter struct {
	dec         *msgpack.Decoder
	in          *bytes.Reader // what dec reads, to bound lengths by it
	msg         []byte        // what in reads
	out         []byte
	attachments [][]byte
}

func (c *converter) packet(p *parser.Packet) error {
	n, err := c.dec.DecodeMapLen()
	if err != nil {
		return err
	}
	if n < 0 {
		return invalidf("packet is not a map")
	}
	var hasType, hasNsp bool
	for range n {
		key, err := c.dec.DecodeString()
		if err != nil {
			return err
		}
		switch key {
		case "type":
			hasType = true
			err = c.packetType(p)
		case "nsp":
			hasNsp = true
			p.Namespace, err = c.dec.DecodeString()
		case "id":
			err = c.packetID(p)
		case "data":
			err = c.packetData(p)
		default:
			err = c.dec.Skip()
		}
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
	}
	if !hasType {
		return invalidf("invalid packet type")
	}
	if !hasNsp {
		return invalidf("invalid namespace")
	}
	p.Attachments = c.attachments
	return nil
}

func (c *converter) packetType(p *parser.Packet) error {
	t, err := c.integer()
	if err != nil || t < 0 || t > int64(maxType) {
		return invalidf("invalid packet type")
	}
	p.Type = parser.Type(t)
	return nil
}

func (c *converter) packetID(p *parser.Packet) error {
	id, err := c.integer()
	if err != nil || id < 0 {
		return invalidf("invalid packet id")
	}
	p.ID, p.HasID = uint64(id), true
	return nil
}

// integer reads an integer, or a float with an integral value as
// JavaScript's Number.isInteger accepts it.
func (c *converter) integer() (int64, error) {
	code, err := c.dec.PeekCode()
	if err != nil {
		return 0, err
	}
	if code == msgpcode.Float || code == msgpcode.Double {
		f, err := c.dec.DecodeFloat64()
		if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return 0, invalidf("not an integer")
		}
		return int64(f), nil
	}
	if code == msgpcode.Uint64 {
		u, err := c.dec.DecodeUint64()
		if err != nil || u > math.MaxInt64 {
			return 0, invalidf("integer out of range")
		}
		return int64(u), nil
	}
	return c.dec.DecodeInt64()
}

func (c *converter) packetData(p *parser.Packet) error {
	code, err := c.dec.PeekCode()
	if err != nil {
		return err
	}
	if off := len(c.msg) - c.in.Len(); bytes.HasPrefix(c.msg[off:], undefined) {
		// notepack.io 2.2 writes a key whose value is undefined (the
		// client's CONNECT without auth): the packet has no data.
		return c.dec.Skip()
	}
	if code == msgpcode.Nil {
		// notepack decodes nil as null, which no packet type accepts as its
		// data (an absent key is undefined, which CONNECT and DISCONNECT do).
		return invalidf("invalid payload")
	}
	c.out, c.attachments = c.out[:0], nil // a repeated data key: the last wins
	if err := c.value(0); err != nil {
		return err
	}
	p.Data = json.RawMessage(bytes.Clone(c.out))
	return nil
}

// undefined is notepack.io 2.2's encoding of undefined: fixext 1 of type 0.
var undefined = []byte{0xd4, 0, 0}

// value converts one MessagePack value to JSON appended to c.out.
func (c *converter) value(depth int) error {
	if depth > maxDepth {
		return invalidf("value nested deeper than %d", maxDepth)
	}
	code, err := c.dec.PeekCode()
	if err != nil {
		return err
	}
	switch {
	case code == msgpcode.Nil:
		c.out = append(c.out, "null"...)
		return c.dec.Skip()
	case code == msgpcode.False || code == msgpcode.True:
		b, err := c.dec.DecodeBool()
		c.out = strconv.AppendBool(c.out, b)
		return err
	case msgpcode.IsFixedNum(code) || (code >= msgpcode.Uint8 && code <= msgpcode.Int64):
		return c.number(code)
	case code == msgpcode.Float || code == msgpcode.Double:
		f, err := c.dec.DecodeFloat64()
		c.out = appendFloat(c.out, f)
		return err
	case msgpcode.IsString(code):
		s, err := c.dec.DecodeString()
		c.out = appendString(c.out, s)
		return err
	case msgpcode.IsBin(code):
		return c.binary()
	case msgpcode.IsFixedArray(code) || code == msgpcode.Array16 || code == msgpcode.Array32:
		return c.array(depth)
	case msgpcode.IsFixedMap(code) || code == msgpcode.Map16 || code == msgpcode.Map32:
		return c.object(depth)
	case msgpcode.IsExt(code):
		return c.ext()
	}
	return invalidf("unknown MessagePack code 0x%02x", code)
}

func (c *converter) number(code byte) error {
	if code == msgpcode.Uint64 {
		u, err := c.dec.DecodeUint64()
		c.out = strconv.AppendUint(c.out, u, 10)
		return err
	}
	i, err := c.dec.DecodeInt64()
	c.out = strconv.AppendInt(c.out, i, 10)
	return err
}

// binary turns a bin value into a placeholder and a copy of its bytes.
func (c *converter) binary() error {
	b, err := c.dec.DecodeBytes()
	if err != nil {
		return err
	}
	if b == nil {
		b = []byte{}
	}
	c.appendBinary(b)
	return nil
}

// appendBinary writes a placeholder for b, the next attachment.
func (c *converter) appendBinary(b []byte) {
	c.out = append(c.out, `{"_placeholder":true,"num":`...)
	c.out = strconv.AppendInt(c.out, int64(len(c.attachments)), 10)
	c.out = append(c.out, '}')
	c.attachments = append(c.attachments, b)
}

func (c *converter) array(depth int) error {
	n, err := c.dec.DecodeArrayLen()
	if err != nil {
		return err
	}
	c.out = append(c.out, '[')
	for i := range n {
		if i > 0 {
			c.out = append(c.out, ',')
		}
		if err := c.value(depth + 1); err != nil {
			return err
		}
	}
	c.out = append(c.out, ']')
	return nil
}

// object converts a map. Keys are strings as notepack.io writes them;
// integer keys are written as JavaScript would name them, other keys are
// refused.
func (c *converter) object(depth int) error {
	n, err := c.dec.DecodeMapLen()
	if err != nil {
		return err
	}
	c.out = append(c.out, '{')
	for i := range n {
		if i > 0 {
			c.out = append(c.out, ',')
		}
		if err := c.key(); err != nil {
			return err
		}
		c.out = append(c.out, ':')
		if err := c.value(depth + 1); err != nil {
			return err
		}
	}
	c.out = append(c.out, '}')
	return nil
}

func (c *converter) key() error {
	code, err := c.dec.PeekCode()
	if err != nil {
		return err
	}
	switch {
	case msgpcode.IsString(code):
		s, err := c.dec.DecodeString()
		c.out = appendString(c.out, s)
		return err
	case msgpcode.IsFixedNum(code) || (code >= msgpcode.Uint8 && code <= msgpcode.Int64):
		c.out = append(c.out, '"')
		err := c.number(code)
		c.out = append(c.out, '"')
		return err
	}
	return invalidf("map key of code 0x%02x", code)
}

// ext converts the extensions of notepack.io 2.2 (the version
// socket.io-msgpack-parser 3.0.2 pins): fixext 1 of type 0 is undefined,
// read as null (JSON.stringify writes undefined in an array so); fixext 8 of
// type 0 is a Date in milliseconds, read as the string Date.toJSON writes;
// ext 8/16/32 of type 0 is an ArrayBuffer or typed array (what a browser
// sends for binary), read as a binary. The timestamp extension (-1) of
// later notepack.io versions is read as a Date too. Other extensions,
// which notepack.io would hand the application as [type, buffer], are
// refused.
func (c *converter) ext() error {
	code, err := c.dec.PeekCode()
	if err != nil {
		return err
	}
	typ, n, err := c.dec.DecodeExtHeader()
	if err != nil {
		return err
	}
	fixed := code != msgpcode.Ext8 && code != msgpcode.Ext16 && code != msgpcode.Ext32
	switch {
	case typ == 0 && !fixed:
		if n > c.in.Len() {
			return invalidf("extension longer than the message")
		}
		b := make([]byte, n)
		if err := c.dec.ReadFull(b); err != nil {
			return err
		}
		c.appendBinary(b)
		return nil
	case typ == 0 && n == 1:
		var b [1]byte
		c.out = append(c.out, "null"...)
		return c.dec.ReadFull(b[:])
	case typ == 0 && n == 8:
		var b [8]byte
		if err := c.dec.ReadFull(b[:]); err != nil {
			return err
		}
		c.appendTime(time.UnixMilli(int64(be(b[:]))))
		return nil
	case typ == -1 && (n == 4 || n == 8 || n == 12):
		return c.timestamp(n)
	}
	return invalidf("unsupported extension type %d", typ)
}

func (c *converter) timestamp(n int) error {
	var b [12]byte
	if err := c.dec.ReadFull(b[:n]); err != nil {
		return err
	}
	var sec, nsec int64
	switch n {
	case 4:
		sec = int64(be(b[:4]))
	case 8:
		v := be(b[:8])
		nsec, sec = int64(v>>34), int64(v&(1<<34-1))
	case 12:
		nsec, sec = int64(be(b[:4])), int64(be(b[4:12]))
	}
	c.appendTime(time.Unix(sec, nsec))
	return nil
}

// appendTime writes t as Date.toJSON does.
func (c *converter) appendTime(t time.Time) {
	c.out = appendString(c.out, t.UTC().Format("2006-01-02T15:04:05.000Z"))
}

// be reads a big-endian unsigned integer of up to 8 bytes.
func be(b []byte) uint64 {
	var v uint64
	for _, x := range b {
		v = v<<8 | uint64(x)
	}
	return v
}

// appendFloat writes f as JSON.stringify would write a number: NaN and the
// infinities become null.
func appendFloat(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	return strconv.AppendFloat(dst, f, 'g', -1, 64)
}

// appendString writes s as a JSON string; invalid UTF-8 becomes U+FFFD as
// notepack.io's decoder makes it.
func appendString(dst []byte, s string) []byte {
	b, _ := json.Marshal(s) // a string always marshals
	return append(dst, b...)
}
