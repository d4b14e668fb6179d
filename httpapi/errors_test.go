package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/duplexio/duplex/httpapi"
	"github.com/duplexio/duplex/socketio"
)

func TestAuthentication(t *testing.T) {
	t.Parallel()
	n := startNode(t, socketio.NewServer(nil), nil)
	const unauthorized = `{"error":"missing or wrong bearer token (Authorization: Bearer \u003ctoken\u003e)"}`
	for _, auth := range []string{"", "Bearer", "Bearer ", "Bearer wrong", "Bearer " + token + "x", "Basic " + token, token} {
		status, body := callWith(t, "POST", n.url+"/api/v1/emit", `{"event":"e"}`, auth)
		expect(t, "Authorization "+auth, status, body, http.StatusUnauthorized, unauthorized)
	}
	// The scheme is case-insensitive (RFC 9110), the token is not.
	status, body := callWith(t, "POST", n.url+"/api/v1/emit", `{"event":"e"}`, "bearer "+token)
	expect(t, "lower-case scheme", status, body, http.StatusOK, `{"ok":true}`)
	status, _ = callWith(t, "POST", n.url+"/api/v1/emit", `{"event":"e"}`, "Bearer "+strings.ToUpper(token))
	if status != http.StatusUnauthorized {
		t.Errorf("upper-cased token: %d, want 401", status)
	}
	// An unknown path is 401 too without the token: nothing is revealed.
	status, _ = callWith(t, "GET", n.url+"/api/v1/nothing", "", "")
	if status != http.StatusUnauthorized {
		t.Errorf("unknown path without token: %d, want 401", status)
	}
}

func TestNoTokenRefusesAll(t *testing.T) {
	t.Parallel()
	n := startNode(t, socketio.NewServer(nil), &httpapi.Options{})
	for _, auth := range []string{"", "Bearer ", "Bearer x"} {
		status, _ := callWith(t, "GET", n.url+"/api/v1/sockets", "", auth)
		if status != http.StatusUnauthorized {
			t.Errorf("no token configured, Authorization %q: %d, want 401", auth, status)
		}
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	n := startNode(t, socketio.NewServer(nil), &httpapi.Options{Token: token, MaxBodyBytes: 64, MaxAckTimeout: 5000 * 1e6})
	tests := []struct {
		name, method, path, body string
		status                   int
		want                     string
	}{
		{"bad JSON", "POST", "/api/v1/emit", `{"event":`, 400, `{"error":"invalid JSON body: jsontext: unexpected EOF within \"/event\" after offset 9"}`},
		{"empty body", "POST", "/api/v1/emit", ``, 400, `{"error":"empty request body: want a JSON object"}`},
		{"unknown field", "POST", "/api/v1/emit", `{"event":"e","room":"r"}`, 400, `{"error":"unknown field \"room\""}`},
		{"key in another case", "POST", "/api/v1/emit", `{"Event":"e"}`, 400, `{"error":"unknown field \"Event\""}`},
		{"duplicate key", "POST", "/api/v1/emit", `{"event":"e","event":"f"}`, 400, `{"error":"invalid JSON body: jsontext: duplicate object member name \"event\""}`},
		{"wrong type", "POST", "/api/v1/emit", `{"event":"e","rooms":"r"}`, 400, `{"error":"field \"/rooms\": want an array"}`},
		{"trailing data", "POST", "/api/v1/emit", `{"event":"e"} {}`, 400, `{"error":"invalid JSON body: jsontext: invalid character '{' after top-level value after offset 14"}`},
		{"not an object", "POST", "/api/v1/join", `[]`, 400, `{"error":"the body must be a JSON object"}`},
		{"no event", "POST", "/api/v1/emit", `{"args":[1]}`, 400, `{"error":"\"event\" is required"}`},
		{"reserved event", "POST", "/api/v1/emit", `{"event":"disconnect"}`, 400, `{"error":"reserved event name: connect, connect_error, disconnect, disconnecting, newListener and removeListener cannot be emitted"}`},
		{"negative timeout", "POST", "/api/v1/emit", `{"event":"e","timeout_ms":-1}`, 400, `{"error":"\"timeout_ms\" must be between 0 (no acknowledgements) and 5000"}`},
		{"timeout too long", "POST", "/api/v1/emit", `{"event":"e","timeout_ms":5001}`, 400, `{"error":"\"timeout_ms\" must be between 0 (no acknowledgements) and 5000"}`},
		{"body too large", "POST", "/api/v1/emit", `{"event":"e","args":["` + strings.Repeat("x", 64) + `"]}`, 413, `{"error":"request body larger than 64 bytes"}`},
		{"unknown namespace", "POST", "/api/v1/emit", `{"namespace":"/nope","event":"e"}`, 404, `{"error":"unknown namespace \"/nope\""}`},
		{"unknown namespace, GET", "GET", "/api/v1/sockets?namespace=nope", ``, 404, `{"error":"unknown namespace \"/nope\""}`},
		{"unknown query key", "GET", "/api/v1/sockets?rooms=a", ``, 400, `{"error":"unknown query parameter \"rooms\": want namespace, room, except"}`},
		{"two namespaces", "GET", "/api/v1/sockets?namespace=/&namespace=/a", ``, 400, `{"error":"namespace given more than once"}`},
		{"join without rooms", "POST", "/api/v1/join", `{"rooms":["a"]}`, 400, `{"error":"\"join\" must name at least one room"}`},
		{"leave without rooms", "POST", "/api/v1/leave", `{"leave":[]}`, 400, `{"error":"\"leave\" must name at least one room"}`},
		{"leave field on join", "POST", "/api/v1/join", `{"leave":["a"]}`, 400, `{"error":"unknown field \"leave\""}`},
		{"unknown path", "GET", "/api/v1/emits", ``, 404, `{"error":"no endpoint /api/v1/emits"}`},
		{"GET emit", "GET", "/api/v1/emit", ``, 405, `{"error":"/api/v1/emit takes POST, not GET"}`},
		{"POST sockets", "POST", "/api/v1/sockets", `{}`, 405, `{"error":"/api/v1/sockets takes GET, not POST"}`},
		{"DELETE disconnect", "DELETE", "/api/v1/disconnect", ``, 405, `{"error":"/api/v1/disconnect takes POST, not DELETE"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, body := call(t, tt.method, n.url+tt.path, tt.body)
			expect(t, tt.method+" "+tt.path+" "+tt.body, status, body, tt.status, tt.want)
		})
	}
}

func TestMethodNotAllowedHeader(t *testing.T) {
	t.Parallel()
	n := startNode(t, socketio.NewServer(nil), nil)
	req, _ := http.NewRequest("PUT", n.url+"/api/v1/join", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Allow"); resp.StatusCode != 405 || got != "POST" {
		t.Errorf("PUT /api/v1/join: %d Allow %q, want 405 Allow POST", resp.StatusCode, got)
	}
}
