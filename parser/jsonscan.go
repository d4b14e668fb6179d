package parser

import (
	"encoding/json"
	"math"
	"strconv"
)

// This file holds a minimal single-pass JSON walker that finds placeholder
// objects. It exists because the alternatives are either fooled by strings
// (searching for the text `"_placeholder"`) or slow (unmarshalling into
// `any` just to look). It is written for valid JSON, but returns an error
// rather than panicking on anything else.

// maxDepth bounds the nesting the walker accepts, as encoding/json does, so
// that hostile input cannot grow the stack without limit.
const maxDepth = 10000

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// scanString returns the index just past the string starting at b[i] == '"'
// and whether it contains escapes, or -1 when it is not terminated.
func scanString(b []byte, i int) (end int, escaped bool) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			escaped = true
			j++
		case '"':
			return j + 1, escaped
		}
	}
	return -1, escaped
}

// jsonString returns the value of the JSON string starting at b[i].
func jsonString(b []byte, i int) (string, error) {
	end, escaped := scanString(b, i)
	if end < 0 {
		return "", invalidf("unterminated string")
	}
	if !escaped {
		return string(b[i+1 : end-1]), nil
	}
	var s string
	if err := json.Unmarshal(b[i:end], &s); err != nil {
		return "", invalidf("bad string: %v", err)
	}
	return s, nil
}

// placeholder is a placeholder object found in a JSON text: raw[start:end]
// is the whole object, num the attachment it stands for.
type placeholder struct {
	start, end int
	num        int
	rawNum     []byte // the raw value of num, checked once the walk is done
}

// findPlaceholders appends to dst the placeholder objects of raw in document
// order, checking that each num is in [0, n).
//
// An object is a placeholder when its "_placeholder" member is true. What
// counts is what socket.io-parser sees after JSON.parse: key escapes are
// decoded, the last of duplicate keys wins (placeholders inside an earlier
// value of a duplicate key do not exist), and a placeholder is taken whole:
// objects nested in it are not placeholders of their own.
func findPlaceholders(raw []byte, n int, dst []placeholder) ([]placeholder, error) {
	w := walker{b: raw, found: dst}
	end, err := w.value(0)
	if err != nil {
		return dst, err
	}
	if skipSpace(raw, end) != len(raw) {
		return dst, invalidf("data after JSON value at offset %d", end)
	}
	// Check num only now, and only of the placeholders socket.io-parser
	// would see: one nested in another placeholder was dropped when the
	// outer one closed, one shadowed by a duplicate key was marked.
	kept := w.found[:len(dst)]
	for _, ph := range w.found[len(dst):] {
		if ph.start < 0 {
			continue
		}
		if ph.num, err = placeholderNum(ph.rawNum, n); err != nil {
			return dst, err
		}
		kept = append(kept, ph)
	}
	return kept, nil
}

type walker struct {
	b     []byte
	found []placeholder
	depth int
}

func (w *walker) value(i int) (int, error) {
	i = skipSpace(w.b, i)
	if i >= len(w.b) {
		return 0, invalidf("unexpected end of JSON")
	}
	switch w.b[i] {
	case '{':
		return w.object(i)
	case '[':
		return w.array(i)
	case '"':
		end, _ := scanString(w.b, i)
		if end < 0 {
			return 0, invalidf("unterminated string")
		}
		return end, nil
	}
	// A number or literal: it runs to the next delimiter.
	j := i
	for j < len(w.b) && !isSpace(w.b[j]) && w.b[j] != ',' && w.b[j] != ']' && w.b[j] != '}' {
		j++
	}
	if j == i {
		return 0, invalidf("unexpected %q in JSON", w.b[i])
	}
	return j, nil
}

func (w *walker) enter() error {
	if w.depth++; w.depth > maxDepth {
		return invalidf("JSON nested deeper than %d", maxDepth)
	}
	return nil
}

func (w *walker) array(i int) (int, error) {
	if err := w.enter(); err != nil {
		return 0, err
	}
	defer func() { w.depth-- }()
	i = skipSpace(w.b, i+1)
	if i < len(w.b) && w.b[i] == ']' {
		return i + 1, nil
	}
	for {
		end, err := w.value(i)
		if err != nil {
			return 0, err
		}
		i = skipSpace(w.b, end)
		if i >= len(w.b) {
			return 0, invalidf("unterminated array")
		}
		switch w.b[i] {
		case ',':
			i++
		case ']':
			return i + 1, nil
		default:
			return 0, invalidf("unexpected %q in array", w.b[i])
		}
	}
}

func (w *walker) object(start int) (int, error) {
	if err := w.enter(); err != nil {
		return 0, err
	}
	defer func() { w.depth-- }()
	mark := len(w.found)
	isPlaceholder := false
	var num []byte     // the raw value of the last "num" member
	var owners []owner // members whose values hold placeholders
	i := skipSpace(w.b, start+1)
	if i < len(w.b) && w.b[i] == '}' {
		return i + 1, nil
	}
	for {
		k, valStart, err := w.member(i)
		if err != nil {
			return 0, err
		}
		name, err := k.name(len(owners) > 0)
		if err != nil {
			return 0, err
		}
		w.shadow(owners, name)
		before := len(w.found)
		end, err := w.value(valStart)
		if err != nil {
			return 0, err
		}
		switch name {
		case placeholderKey:
			isPlaceholder = string(w.b[valStart:end]) == "true"
		case "num":
			num = w.b[valStart:end]
		}
		if len(w.found) > before {
			if name, err = k.name(true); err != nil {
				return 0, err
			}
			owners = append(owners, owner{key: name, from: before, to: len(w.found)})
		}
		i = skipSpace(w.b, end)
		if i >= len(w.b) {
			return 0, invalidf("unterminated object")
		}
		if w.b[i] == ',' {
			i++
			continue
		}
		if w.b[i] != '}' {
			return 0, invalidf("unexpected %q in object", w.b[i])
		}
		i++
		break
	}
	if isPlaceholder {
		// Anything found inside is part of this placeholder and goes with it.
		w.found = append(w.found[:mark], placeholder{start: start, end: i, rawNum: num})
	}
	return i, nil
}

// owner records that found[from:to] lie in the value of the member key.
type owner struct {
	key      string
	from, to int
}

// shadow drops the placeholders in the value of an earlier member with the
// same key: JSON.parse keeps only the last value of a duplicate key, so
// socket.io-parser never sees them. This is rare, and costs nothing unless
// the object has a member holding placeholders.
func (w *walker) shadow(owners []owner, key string) {
	for _, o := range owners {
		if o.key == key {
			for i := o.from; i < o.to; i++ {
				w.found[i].start = -1
			}
		}
	}
}

// memberKey is an object key as it appears in the text, quotes included.
type memberKey struct {
	quoted  []byte
	escaped bool
}

// name returns the decoded key. Unless full is set, it returns "" for an
// unescaped key other than "_placeholder" and "num", so that the common
// case does not allocate.
func (k memberKey) name(full bool) (string, error) {
	if k.escaped {
		// Rare; "\u005fplaceholder" is still the key "_placeholder".
		var s string
		if err := json.Unmarshal(k.quoted, &s); err != nil {
			return "", invalidf("bad object key: %v", err)
		}
		return s, nil
	}
	switch raw := k.quoted[1 : len(k.quoted)-1]; {
	case string(raw) == placeholderKey:
		return placeholderKey, nil
	case string(raw) == "num":
		return "num", nil
	case full:
		return string(raw), nil
	}
	return "", nil
}

// member reads a key and its colon at b[i], returning the key and where the
// value starts.
func (w *walker) member(i int) (k memberKey, valStart int, err error) {
	i = skipSpace(w.b, i)
	if i >= len(w.b) || w.b[i] != '"' {
		return k, 0, invalidf("object key is not a string")
	}
	end, escaped := scanString(w.b, i)
	if end < 0 {
		return k, 0, invalidf("unterminated string")
	}
	k = memberKey{quoted: w.b[i:end], escaped: escaped}
	i = skipSpace(w.b, end)
	if i >= len(w.b) || w.b[i] != ':' {
		return k, 0, invalidf("missing ':' after object key")
	}
	return k, skipSpace(w.b, i+1), nil
}

// placeholderNum checks the raw "num" value of a placeholder: a JSON number
// with an integer value in [0, n).
func placeholderNum(raw []byte, n int) (int, error) {
	if len(raw) == 0 {
		return 0, invalidf("placeholder without num")
	}
	if raw[0] != '-' && !isDigit(raw[0]) {
		return 0, invalidf("placeholder num %s is not a number", clip(raw))
	}
	for _, c := range raw {
		if !isDigit(c) && c != '-' && c != '+' && c != '.' && c != 'e' && c != 'E' {
			return 0, invalidf("placeholder num %s is not a number", clip(raw))
		}
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || f != math.Trunc(f) || f < 0 || f >= float64(n) {
		return 0, invalidf("placeholder num %s out of range [0, %d)", clip(raw), n)
	}
	return int(f), nil
}

// clip shortens peer-controlled text quoted in an error message.
func clip(b []byte) []byte {
	const limit = 32
	if len(b) <= limit {
		return b
	}
	return append(b[:limit:limit], "..."...)
}
