package cli

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// binaryKey marks a binary value in the JSON that `duplex client` prints
// and reads: {"$binary":"<standard base64>"}.
const binaryKey = "$binary"

// parseArgs decodes a JSON array of event arguments; numbers are kept
// exact and binary markers become []byte.
func parseArgs(s string) ([]any, error) {
	v, err := decodeJSON(s)
	if err != nil {
		return nil, err
	}
	list, ok := v.([]any)
	if !ok {
		return nil, errors.New("arguments must be a JSON array")
	}
	return list, nil
}

// decodeJSON decodes one JSON value, binary markers resolved.
func decodeJSON(s string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("bad JSON: %v", err)
	}
	if dec.More() {
		return nil, errors.New("bad JSON: more than one value")
	}
	return fromMarkers(v)
}

// fromMarkers replaces each {"$binary": base64} object by its bytes.
func fromMarkers(v any) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		if s, ok := v[binaryKey].(string); ok && len(v) == 1 {
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return nil, fmt.Errorf("bad %s value: %v", binaryKey, err)
			}
			return b, nil
		}
		for k, e := range v {
			r, err := fromMarkers(e)
			if err != nil {
				return nil, err
			}
			v[k] = r
		}
	case []any:
		for i, e := range v {
			r, err := fromMarkers(e)
			if err != nil {
				return nil, err
			}
			v[i] = r
		}
	}
	return v, nil
}

// toMarkers replaces each []byte by its {"$binary": base64} object.
func toMarkers(v any) any {
	switch v := v.(type) {
	case []byte:
		return map[string]string{binaryKey: base64.StdEncoding.EncodeToString(v)}
	case map[string]any:
		for k, e := range v {
			v[k] = toMarkers(e)
		}
	case []any:
		for i, e := range v {
			v[i] = toMarkers(e)
		}
	}
	return v
}

// jsonLine encodes v as one line of JSON, without HTML escaping.
func jsonLine(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
