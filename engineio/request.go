package engineio

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/url"
	"sync"
)

// handshakeRequest keeps what Session.Request returns in a compact form.
//
// Most sessions never look at their handshake request, yet keeping the
// *http.Request itself (its header map, URL and struct) was a quarter of
// an idle WebSocket's memory. The header lines are kept flat, sharing the
// strings net/http already made, and the request is rebuilt on first use.
type handshakeRequest struct {
	method, uri, proto, host, remoteAddr string
	protoMajor, protoMinor               int
	tls                                  *tls.ConnectionState
	header                               []string // name, value, name, value, ...

	once  sync.Once
	built *http.Request
}

func newHandshakeRequest(r *http.Request) *handshakeRequest {
	n := 0
	for _, vs := range r.Header {
		n += 2 * len(vs)
	}
	header := make([]string, 0, n)
	for k, vs := range r.Header {
		for _, v := range vs {
			header = append(header, k, v)
		}
	}
	return &handshakeRequest{
		method: r.Method, uri: r.RequestURI, proto: r.Proto, host: r.Host, remoteAddr: r.RemoteAddr,
		protoMajor: r.ProtoMajor, protoMinor: r.ProtoMinor, tls: r.TLS, header: header,
	}
}

// headerSize is the size of r's request line and header lines as they
// came on the wire (HTTP/1.x), what Node's limit counts.
func headerSize(r *http.Request) int {
	n := len(r.Method) + len(r.RequestURI) + len(r.Proto) + 4
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	if _, ok := r.Header["Host"]; !ok {
		n += len("Host") + len(r.Host) + 4 // net/http moves it out of Header
	}
	return n
}

// request returns the rebuilt request, the same one on every call.
func (h *handshakeRequest) request() *http.Request {
	h.once.Do(func() {
		header := make(http.Header, len(h.header)/2)
		for i := 0; i+1 < len(h.header); i += 2 {
			header[h.header[i]] = append(header[h.header[i]], h.header[i+1])
		}
		u, err := url.ParseRequestURI(h.uri)
		if err != nil { // net/http parsed it once already
			u = &url.URL{Path: h.uri}
		}
		r := &http.Request{
			Method: h.method, URL: u, Proto: h.proto, ProtoMajor: h.protoMajor, ProtoMinor: h.protoMinor,
			Header: header, Body: http.NoBody, Host: h.host, RemoteAddr: h.remoteAddr,
			RequestURI: h.uri, TLS: h.tls,
		}
		h.built = r.WithContext(context.Background())
	})
	return h.built
}
