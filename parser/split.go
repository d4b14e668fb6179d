package parser

import "encoding/json"

// SplitArray returns the elements of the JSON array data as sub-slices of
// it, appended to dst: no copy and no decoding, which is what receiving an
// event needs before each argument is decoded into its handler's type.
// data must be valid JSON (a decoded packet's Data is); anything that is
// not an array is an error.
func SplitArray(data []byte, dst []json.RawMessage) ([]json.RawMessage, error) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '[' {
		return dst, invalidf("not a JSON array")
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == ']' {
		return dst, nil
	}
	for i < len(data) {
		end, err := skipValue(data, i)
		if err != nil {
			return dst, err
		}
		dst = append(dst, data[i:end:end])
		i = skipSpace(data, end)
		if i >= len(data) {
			break
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case ']':
			return dst, nil
		default:
			return dst, invalidf("bad array separator %q", data[i])
		}
	}
	return dst, invalidf("unterminated array")
}

// skipValue returns the index just past the JSON value starting at data[i],
// counting brackets outside strings.
func skipValue(data []byte, i int) (int, error) {
	depth := 0
	for j := i; j < len(data); j++ {
		switch c := data[j]; c {
		case '"':
			end, _ := scanString(data, j)
			if end < 0 {
				return 0, invalidf("unterminated string")
			}
			if depth == 0 {
				return end, nil
			}
			j = end - 1
		case '[', '{':
			depth++
		case ']', '}':
			if depth == 0 {
				return j, nil // the end of the enclosing array: a scalar ended
			}
			depth--
			if depth == 0 {
				return j + 1, nil
			}
		case ',':
			if depth == 0 {
				return j, nil
			}
		default:
			if depth == 0 && isSpace(c) {
				return j, nil
			}
		}
	}
	if depth != 0 {
		return 0, invalidf("unterminated value")
	}
	return len(data), nil
}

// EventName returns the name of an event from the first element of its
// data: a JSON string, or the text of a number (which socket.io-parser
// also accepts).
func EventName(first json.RawMessage) (string, error) {
	if len(first) > 0 && first[0] == '"' {
		return jsonString(first, 0)
	}
	return string(first), nil
}
