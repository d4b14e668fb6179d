package msgpackparser

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/duplexio/duplex/parser"
)

// Encode returns the one binary engine message of p: the MessagePack map
// {type, data, nsp, id} that socket.io-msgpack-parser's encoder writes,
// with data omitted when p has none (DISCONNECT) and id when p has none.
// Placeholders in Data that name one of p.Attachments become that binary
// as MessagePack bin; integral numbers become integers and the others
// float 64, as notepack.io writes JavaScript numbers. Data must be valid
// JSON (as every packet built by Duplex or decoded by a parser holds).
func Encode(p *parser.Packet) ([]byte, error) {
	var buf bytes.Buffer
	e := msgpack.NewEncoder(&buf)
	n := 2
	if p.Data != nil {
		n++
	}
	if p.HasID {
		n++
	}
	_ = e.EncodeMapLen(n) // writes to a bytes.Buffer do not fail
	_ = e.EncodeString("type")
	_ = e.EncodeUint(uint64(plain(p.Type)))
	if p.Data != nil {
		_ = e.EncodeString("data")
		if err := encodeJSON(e, p.Data, p.Attachments); err != nil {
			return nil, err
		}
	}
	_ = e.EncodeString("nsp")
	nsp := p.Namespace
	if nsp == "" {
		nsp = "/"
	}
	_ = e.EncodeString(nsp)
	if p.HasID {
		_ = e.EncodeString("id")
		_ = e.EncodeUint(p.ID)
	}
	return buf.Bytes(), nil
}

func plain(t parser.Type) parser.Type {
	switch t {
	case parser.BinaryEvent:
		return parser.Event
	case parser.BinaryAck:
		return parser.Ack
	}
	return t
}

// node is a JSON value read in order, so that object keys keep the order
// they had (as notepack.io writes a JavaScript object's keys).
type node struct {
	tok  json.Token // nil for arrays, objects and null
	obj  bool
	arr  bool
	keys []string
	kids []node
}

func encodeJSON(e *msgpack.Encoder, data json.RawMessage, attachments [][]byte) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	n, err := readNode(d)
	if err != nil {
		return invalidf("data: %v", err)
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return invalidf("data: trailing bytes")
	}
	return writeNode(e, &n, attachments)
}

func readNode(d *json.Decoder) (node, error) {
	tok, err := d.Token()
	if err != nil {
		return node{}, err
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return node{tok: tok}, nil
	}
	n := node{obj: delim == '{', arr: delim == '['}
	for d.More() {
		if n.obj {
			k, err := d.Token()
			if err != nil {
				return node{}, err
			}
			n.keys = append(n.keys, k.(string)) // the decoder checked it is a key
		}
		kid, err := readNode(d)
		if err != nil {
			return node{}, err
		}
		n.kids = append(n.kids, kid)
	}
	_, err = d.Token() // the closing delimiter
	return n, err
}

func writeNode(e *msgpack.Encoder, n *node, attachments [][]byte) error {
	switch {
	case n.obj:
		if b, ok := placeholder(n, attachments); ok {
			return e.EncodeBytes(b)
		}
		_ = e.EncodeMapLen(len(n.kids))
		for i := range n.kids {
			_ = e.EncodeString(n.keys[i])
			if err := writeNode(e, &n.kids[i], attachments); err != nil {
				return err
			}
		}
		return nil
	case n.arr:
		_ = e.EncodeArrayLen(len(n.kids))
		for i := range n.kids {
			if err := writeNode(e, &n.kids[i], attachments); err != nil {
				return err
			}
		}
		return nil
	}
	switch v := n.tok.(type) {
	case string:
		return e.EncodeString(v)
	case bool:
		return e.EncodeBool(v)
	case json.Number:
		return writeNumber(e, string(v))
	}
	return e.EncodeNil()
}

// placeholder reports the attachment an object stands for: one with
// "_placeholder": true and an integer "num" naming an attachment, as
// socket.io-parser's reconstruction reads it (the last of duplicate keys
// winning, other keys ignored).
func placeholder(n *node, attachments [][]byte) ([]byte, bool) {
	if len(attachments) == 0 {
		return nil, false
	}
	var isPlaceholder bool
	num := -1
	for i, k := range n.keys {
		switch k {
		case "_placeholder":
			b, ok := n.kids[i].tok.(bool)
			isPlaceholder = ok && b
		case "num":
			num = -1
			if v, ok := n.kids[i].tok.(json.Number); ok {
				if x, err := strconv.Atoi(string(v)); err == nil {
					num = x
				}
			}
		}
	}
	if !isPlaceholder || num < 0 || num >= len(attachments) {
		return nil, false
	}
	return attachments[num], true
}

// writeNumber writes an integral number as the smallest integer, any other
// as float 64, as notepack.io does.
func writeNumber(e *msgpack.Encoder, s string) error {
	if !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return e.EncodeInt(i)
		}
		if u, err := strconv.ParseUint(s, 10, 64); err == nil {
			return e.EncodeUint(u)
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return invalidf("data: number %q", s)
	}
	if f == math.Trunc(f) && math.Abs(f) < 1<<63 {
		return e.EncodeInt(int64(f))
	}
	return e.EncodeFloat64(f)
}
