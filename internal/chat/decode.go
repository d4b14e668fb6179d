package chat

import (
	"bytes"
	"encoding/json"
)

// decodeObject decodes the JSON object raw into the fields named in
// fields, matching keys exactly, as JavaScript reads them: Go's
// encoding/json matches keys case-insensitively, so {"text":"hello",
// "TEXT":"evil"} delivered "evil" and an auth {"name":"alice",
// "NAME":"admin"} named the user admin. Other keys are ignored, as a
// JavaScript server would; a key given twice keeps its last value, as
// JSON.parse does. It is the one place where the chat decodes a client's
// object, to be swapped for the library's exact-key decoding when that
// exists.
func decodeObject(raw []byte, fields map[string]any) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return errInvalidPayload
	}
	for key, v := range obj {
		dst, ok := fields[key]
		if !ok || bytes.Equal(v, []byte("null")) {
			continue
		}
		if err := json.Unmarshal(v, dst); err != nil {
			return errInvalidPayload
		}
	}
	return nil
}

// decodeString decodes a JSON string.
func decodeString(raw []byte) (string, error) {
	var s string
	if len(raw) == 0 || json.Unmarshal(raw, &s) != nil {
		return "", errInvalidPayload
	}
	return s, nil
}
