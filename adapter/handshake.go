package adapter

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Handshake describes how a socket connected, in Go types. Its JSON is the
// shape of Node's socket.handshake, which cluster messages carry: header
// names in lower case with repeated values joined by ", ", the time as
// JavaScript's Date.toString writes it plus "issued" in milliseconds, and a
// query whose repeated keys are arrays. That wire shape stays here, in
// MarshalJSON and UnmarshalJSON: socketio.Handshake has the same fields.
type Handshake struct {
	Header  http.Header
	Time    time.Time
	Address string
	XDomain bool
	Secure  bool
	URL     string
	Query   url.Values
	Auth    json.RawMessage
}

// jsDate formats a time the way JavaScript's Date.prototype.toString does,
// which is what Node puts in handshake.time.
const jsDate = "Mon Jan 02 2006 15:04:05 GMT-0700 (MST)"

// wireHandshake is Node's socket.handshake. Node's headers and query may
// hold a string or an array of strings for a name: any reads both.
type wireHandshake struct {
	Headers map[string]any  `json:"headers"`
	Time    string          `json:"time"`
	Address string          `json:"address"`
	XDomain bool            `json:"xdomain"`
	Secure  bool            `json:"secure"`
	Issued  float64         `json:"issued"`
	URL     string          `json:"url"`
	Query   map[string]any  `json:"query"`
	Auth    json.RawMessage `json:"auth"`
}

// MarshalJSON writes Node's socket.handshake.
func (h *Handshake) MarshalJSON() ([]byte, error) {
	w := wireHandshake{
		Headers: make(map[string]any, len(h.Header)),
		Time:    h.Time.Format(jsDate),
		Address: h.Address,
		XDomain: h.XDomain,
		Secure:  h.Secure,
		Issued:  float64(h.Time.UnixMilli()),
		URL:     h.URL,
		Query:   make(map[string]any, len(h.Query)),
		Auth:    h.Auth,
	}
	for k, v := range h.Header {
		w.Headers[strings.ToLower(k)] = strings.Join(v, ", ")
	}
	for k, v := range h.Query {
		switch len(v) {
		case 0:
		case 1:
			w.Query[k] = v[0]
		default:
			w.Query[k] = v
		}
	}
	if len(w.Auth) == 0 {
		w.Auth = json.RawMessage("{}")
	}
	return json.Marshal(&w)
}

// UnmarshalJSON reads Node's socket.handshake; its time is taken from
// "issued", the milliseconds, which keep the precision the string drops.
func (h *Handshake) UnmarshalJSON(data []byte) error {
	var w wireHandshake
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*h = Handshake{
		Header:  make(http.Header, len(w.Headers)),
		Time:    time.UnixMilli(int64(w.Issued)),
		Address: w.Address,
		XDomain: w.XDomain,
		Secure:  w.Secure,
		URL:     w.URL,
		Query:   make(url.Values, len(w.Query)),
		Auth:    w.Auth,
	}
	for k, v := range w.Headers {
		h.Header[http.CanonicalHeaderKey(k)] = values(v)
	}
	for k, v := range w.Query {
		h.Query[k] = values(v)
	}
	return nil
}

// values reads a header or query value of Node's: a string or an array.
func values(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, len(v))
		for i, p := range v {
			out[i] = fmt.Sprint(p)
		}
		return out
	case nil:
		return nil
	default:
		return []string{fmt.Sprint(v)}
	}
}
