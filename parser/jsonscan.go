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
// An object is a placeholder when its "_placeholder" member is true; as in
// socket.io-parser (JavaScript objects), the last of duplicate keys wins, key
// escapes are decoded, and a placeholder is taken whole: objects nested in it
// are not placeholders of their own.
func findPlaceholders(raw []byte, n int, dst []placeholder) ([]placeholder, error) {
	w := walker{b: raw, found: dst}
	end, err := w.value(0)
	if err != nil {
		return dst, err
	}
	if skipSpace(raw, end) != len(raw) {
		return dst, invalidf("data after JSON value at offset %d", end)
	}
	// Check num only now: a placeholder nested in another one is dropped
	// when the outer one closes, unchecked, as socket.io-parser never looks
	// at it.
	for i := len(dst); i < len(w.found); i++ {
		if w.found[i].num, err = placeholderNum(w.found[i].rawNum, n); err != nil {
			return dst, err
		}
	}
	return w.found, nil
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
	var num []byte // the raw value of the last "num" member
	i := skipSpace(w.b, start+1)
	if i < len(w.b) && w.b[i] == '}' {
		return i + 1, nil
	}
	for {
		key, valStart, err := w.member(i)
		if err != nil {
			return 0, err
		}
		end, err := w.value(valStart)
		if err != nil {
			return 0, err
		}
		switch key {
		case "_placeholder":
			isPlaceholder = string(w.b[valStart:end]) == "true"
		case "num":
			num = w.b[valStart:end]
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

// member reads a key and its colon at b[i], returning the key as far as the
// walker cares ("_placeholder", "num" or something else) and where the value
// starts.
func (w *walker) member(i int) (key string, valStart int, err error) {
	i = skipSpace(w.b, i)
	if i >= len(w.b) || w.b[i] != '"' {
		return "", 0, invalidf("object key is not a string")
	}
	end, escaped := scanString(w.b, i)
	if end < 0 {
		return "", 0, invalidf("unterminated string")
	}
	raw := w.b[i+1 : end-1]
	switch {
	case escaped:
		// Rare; "\u005fplaceholder" is still the key "_placeholder".
		if key, err = jsonString(w.b, i); err != nil {
			return "", 0, err
		}
	case string(raw) == "_placeholder":
		key = "_placeholder"
	case string(raw) == "num":
		key = "num"
	}
	i = skipSpace(w.b, end)
	if i >= len(w.b) || w.b[i] != ':' {
		return "", 0, invalidf("missing ':' after object key")
	}
	return key, skipSpace(w.b, i+1), nil
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
