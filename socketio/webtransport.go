package socketio

import (
	"net/http"
	"strings"

	"github.com/quic-go/webtransport-go"
)

// WebTransportHandler returns the handler of the webtransport transport,
// to serve on wt's HTTP/3 server: Engine.IO over a WebTransport session
// (engineio.Server.WebTransportHandler) for requests under Path, 404
// elsewhere. The official client uses it when Options.Engine.Transports
// names engineio.TransportWebTransport, and finds it at the page's host
// and port over UDP: serve HTTP/3 on the port of the HTTP server.
func (s *Server) WebTransportHandler(wt *webtransport.Server) http.Handler {
	h := s.engine.WebTransportHandler(wt)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, s.opts.Path) && r.URL.Path+"/" != s.opts.Path {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}
