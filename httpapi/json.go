package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"

	jsonv2 "github.com/go-json-experiment/json"
)

// errorBody is every error response.
type errorBody struct {
	Error string `json:"error"`
}

// okBody answers the operations that return nothing else.
type okBody struct {
	OK bool `json:"ok"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"encoding the response failed"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Error: msg})
}

// errBody is a request body that cannot be used, with its status.
type errBody struct {
	status int
	msg    string
}

func (e *errBody) Error() string { return e.msg }

// decodeBody decodes exactly one JSON object into v, reading at most
// limit bytes. Keys must match v's fields exactly: encoding/json would
// fold case and take {"Event":"x"} for "event", a body that a JavaScript
// backend would read differently; duplicate keys are refused for the same
// reason. The decoder is encoding/json/v2's prototype, which the module
// already uses for event arguments (internal/typedfunc).
func decodeBody(w http.ResponseWriter, r *http.Request, limit int64, v any) *errBody {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &errBody{http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes", tooBig.Limit)}
	}
	if err != nil {
		return &errBody{http.StatusBadRequest, "reading the request body: " + err.Error()}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return &errBody{http.StatusBadRequest, "empty request body: want a JSON object"}
	}
	err = jsonv2.Unmarshal(data, v, jsonv2.RejectUnknownMembers(true))
	if err == nil {
		return nil
	}
	var serr *jsonv2.SemanticError
	if errors.As(err, &serr) && serr.Err == jsonv2.ErrUnknownName {
		return &errBody{http.StatusBadRequest, fmt.Sprintf("unknown field %q", serr.JSONPointer.LastToken())}
	}
	if errors.As(err, &serr) && serr.JSONPointer != "" {
		return &errBody{http.StatusBadRequest, fmt.Sprintf("field %q: want %s", serr.JSONPointer, wantKind(serr.GoType))}
	}
	if errors.As(err, &serr) {
		return &errBody{http.StatusBadRequest, "the body must be a JSON object"}
	}
	return &errBody{http.StatusBadRequest, "invalid JSON body: " + err.Error()}
}

// wantKind names a Go type as the JSON a caller should send.
func wantKind(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Slice:
		return "an array"
	case reflect.Bool:
		return "true or false"
	case reflect.Int64, reflect.Int:
		return "an integer"
	}
	return "another type"
}
