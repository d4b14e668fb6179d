package engineio

import (
	"net/http"
	"time"

	"github.com/duplexio/duplex/engineio/packet"
)

// Sessions their client closed over long-polling.
//
// A client that closes sends the close packet in a POST while its GET may
// be on the way too. Node's engine.io, on its one thread, nearly always
// handles that GET first and ends it with a noop ("6"); here the two run
// on goroutines of their own and the POST often wins, which left the GET
// with a 400 (session gone). So the server keeps the ids of such sessions
// for a moment: the first poll that comes for one gets the noop it would
// have got from Node, any later request the 400. An entry holds only the
// id and a time, for endedGrace at most, endedMax entries at most: beyond
// that a racing poll gets the 400, as it would from Node in the same race.
const (
	endedGrace = 5 * time.Second
	endedMax   = 1024
)

// addEnded records id; the caller holds srv.mu.
func (srv *Server) addEnded(id string) {
	if srv.ended == nil {
		srv.ended = map[string]time.Time{}
	}
	now := time.Now()
	if len(srv.ended) >= endedMax {
		for k, at := range srv.ended {
			if now.Sub(at) > endedGrace {
				delete(srv.ended, k)
			}
		}
	}
	if len(srv.ended) < endedMax {
		srv.ended[id] = now
	}
}

// takeEnded reports whether id is a session its client just closed, and
// forgets it: only one poll gets the noop.
func (srv *Server) takeEnded(id string) bool {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	at, ok := srv.ended[id]
	if ok {
		delete(srv.ended, id)
	}
	return ok && time.Since(at) <= endedGrace
}

// serveEnded answers a poll for a session that its client closed: the noop
// once, then the 400 of an unknown session.
func (srv *Server) serveEnded(w http.ResponseWriter, id string) {
	if !srv.takeEnded(id) {
		writeError(w, requestError(CodeUnknownSID))
		return
	}
	writePayload(w, []packet.Packet{{Type: packet.Noop}})
}
