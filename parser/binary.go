package parser

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strconv"
	"sync"
)

// placeholderKey is the member that marks a placeholder object.
const placeholderKey = "_placeholder"

// errTooDeep is returned by MarshalArray for values nested deeper than
// encoding/json would decode, which in practice means a cycle.
var errTooDeep = errors.New("parser: value nested too deep (cycle?)")

// MarshalArray encodes values as a JSON array, replacing every []byte — at
// the top level or nested inside []any, map[string]any — by a placeholder
// object and collecting it as an attachment (in order, as socket.io-parser's
// deconstructPacket numbers them). json.RawMessage values are written
// verbatim; everything else goes through encoding/json. Returns attachments
// nil when there is no binary.
//
// Only values of type exactly []byte become attachments, and a nil one is an
// empty attachment, not null. A []byte inside any other type (a struct
// field, a [][]byte...) is left to encoding/json, which writes it as a
// base64 string. Map keys are written in sorted order, as encoding/json
// writes them, and attachments are numbered in the order they appear in the
// output. HTML characters are not escaped, as in JSON.stringify.
// An empty json.RawMessage is written as null; a non-empty one is not
// checked, so it must be valid JSON.
//
// The attachments alias the []byte values.
func MarshalArray(values []any) (json.RawMessage, [][]byte, error) {
	m := getMarshaler()
	defer m.release()
	if err := m.array(values, 0); err != nil {
		return nil, nil, err
	}
	return bytes.Clone(m.buf.Bytes()), m.attachments, nil
}

// EncodeValues sets p.Data to the JSON array of values and p.Attachments
// to their binary values, as MarshalArray does, and returns the text
// encoding of p (AppendText). The text is one allocation, which p.Data
// aliases: an acknowledgement or an emit to one client costs one buffer,
// not a marshaled array and then a packet around it.
func (p *Packet) EncodeValues(values []any) ([]byte, error) {
	m := getMarshaler()
	defer m.release()
	if err := m.array(values, 0); err != nil {
		return nil, err
	}
	p.Data, p.Attachments = nil, m.attachments
	var hb [48]byte
	header := p.AppendText(hb[:0])
	text := make([]byte, len(header)+m.buf.Len())
	n := copy(text, header)
	copy(text[n:], m.buf.Bytes())
	p.Data = text[n:len(text):len(text)]
	return text, nil
}

// marshaler writes JSON arrays with placeholders. Marshalers are pooled:
// one per call cost two allocations (itself, as its encoder points into
// it, and its buffer) on every acknowledgement.
type marshaler struct {
	buf         bytes.Buffer
	enc         *json.Encoder // made on first use: relayed JSON needs none
	attachments [][]byte
}

var marshalers = sync.Pool{New: func() any { return new(marshaler) }}

// maxPooledBuffer is the largest buffer a marshaler keeps when it goes
// back to the pool: one huge message must not pin its buffer.
const maxPooledBuffer = 64 << 10

func getMarshaler() *marshaler { return marshalers.Get().(*marshaler) }

// release returns m to the pool. What m produced must have been copied:
// its buffer is reused; its attachments slice is not (the caller keeps it).
func (m *marshaler) release() {
	m.attachments = nil
	if m.buf.Cap() > maxPooledBuffer {
		return
	}
	m.buf.Reset()
	marshalers.Put(m)
}

func (m *marshaler) encoder() *json.Encoder {
	if m.enc == nil {
		m.enc = json.NewEncoder(&m.buf)
		m.enc.SetEscapeHTML(false)
	}
	return m.enc
}

func (m *marshaler) value(v any, depth int) error {
	if depth > maxDepth {
		// Only a cycle of []any or maps gets here.
		return errTooDeep
	}
	switch v := v.(type) {
	case json.RawMessage:
		if len(v) == 0 {
			m.buf.WriteString("null")
		} else {
			m.buf.Write(v)
		}
	case []byte:
		m.buf.WriteString(`{"_placeholder":true,"num":`)
		m.buf.WriteString(strconv.Itoa(len(m.attachments)))
		m.buf.WriteByte('}')
		m.attachments = append(m.attachments, v)
	case []any:
		if v == nil {
			m.buf.WriteString("null")
			return nil
		}
		return m.array(v, depth+1)
	case map[string]any:
		if v == nil {
			m.buf.WriteString("null")
			return nil
		}
		return m.object(v, depth+1)
	default:
		if err := m.encoder().Encode(v); err != nil {
			return err
		}
		m.buf.Truncate(m.buf.Len() - 1) // Encode ends with a newline
	}
	return nil
}

func (m *marshaler) array(values []any, depth int) error {
	m.buf.WriteByte('[')
	for i, v := range values {
		if i > 0 {
			m.buf.WriteByte(',')
		}
		if err := m.value(v, depth); err != nil {
			return err
		}
	}
	m.buf.WriteByte(']')
	return nil
}

func (m *marshaler) object(obj map[string]any, depth int) error {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	m.buf.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			m.buf.WriteByte(',')
		}
		if err := m.encoder().Encode(k); err != nil {
			return err
		}
		m.buf.Truncate(m.buf.Len() - 1)
		m.buf.WriteByte(':')
		if err := m.value(obj[k], depth); err != nil {
			return err
		}
	}
	m.buf.WriteByte('}')
	return nil
}

// HasPlaceholder reports cheaply whether raw may contain a placeholder (used
// to skip the slow paths). It has no false negatives: a key spelled with
// \u escapes makes it report true as well.
func HasPlaceholder(raw json.RawMessage) bool {
	return bytes.Contains(raw, []byte(placeholderKey)) || bytes.Contains(raw, []byte(`\u`))
}

// InlineAttachments returns raw with every placeholder object replaced by
// the JSON string of the standard-base64 attachment, so that encoding/json
// decodes it into a []byte field. Out-of-range num -> error.
//
// raw must be valid JSON (Packet.Data of a decoded packet is). When there is
// nothing to replace, raw itself is returned. With no attachments raw is
// returned unchanged even if it holds placeholders: socket.io-parser resolves
// placeholders only in binary packets, and in any other packet a
// placeholder-like object is plain data.
func InlineAttachments(raw json.RawMessage, attachments [][]byte) (json.RawMessage, error) {
	if len(attachments) == 0 || !HasPlaceholder(raw) {
		return raw, nil
	}
	found, err := findPlaceholders(raw, len(attachments), nil)
	if err != nil || len(found) == 0 {
		return raw, err
	}
	size := len(raw)
	for _, ph := range found {
		size += 2 + base64.StdEncoding.EncodedLen(len(attachments[ph.num])) - (ph.end - ph.start)
	}
	out := make([]byte, 0, size)
	prev := 0
	for _, ph := range found {
		out = append(out, raw[prev:ph.start]...)
		out = append(out, '"')
		out = base64.StdEncoding.AppendEncode(out, attachments[ph.num])
		out = append(out, '"')
		prev = ph.end
	}
	return append(out, raw[prev:]...), nil
}

// ResolveAttachments walks a value produced by json.Unmarshal into `any`
// (map[string]any, []any) and replaces each placeholder map by its []byte
// attachment, in place where possible; returns the new value.
//
// A map is a placeholder when its "_placeholder" entry is true; its "num"
// must be a float64 or json.Number (json.Decoder.UseNumber) with an integer
// value in range. As with InlineAttachments, nothing is replaced when there
// are no attachments. The []byte values alias attachments.
func ResolveAttachments(v any, attachments [][]byte) (any, error) {
	if len(attachments) == 0 {
		return v, nil
	}
	return resolve(v, attachments, 0)
}

func resolve(v any, attachments [][]byte, depth int) (any, error) {
	if depth > maxDepth {
		return nil, invalidf("value nested deeper than %d", maxDepth)
	}
	switch v := v.(type) {
	case map[string]any:
		if v[placeholderKey] == true {
			return attachment(v["num"], attachments)
		}
		for k, e := range v {
			r, err := resolve(e, attachments, depth+1)
			if err != nil {
				return nil, err
			}
			v[k] = r
		}
	case []any:
		for i, e := range v {
			r, err := resolve(e, attachments, depth+1)
			if err != nil {
				return nil, err
			}
			v[i] = r
		}
	}
	return v, nil
}

func attachment(num any, attachments [][]byte) ([]byte, error) {
	f := math.NaN()
	switch n := num.(type) {
	case float64:
		f = n
	case json.Number:
		if g, err := n.Float64(); err == nil {
			f = g
		}
	}
	if f != math.Trunc(f) || f < 0 || f >= float64(len(attachments)) {
		return nil, invalidf("placeholder num %v out of range [0, %d)", num, len(attachments))
	}
	return attachments[int(f)], nil
}
