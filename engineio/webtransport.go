package engineio

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/quic-go/webtransport-go"

	"github.com/duplexio/duplex/engineio/packet"
)

// WebTransport (Engine.IO over HTTP/3), as Node's engine.io 6.6 serves it
// (docs/webtransport.md). The client opens a WebTransport session on the
// engine's path, then one bidirectional stream, and writes an OPEN packet
// on it: without data for a new session, which the server answers with
// its own OPEN (the handshake) as on a WebSocket; with {"sid":"..."} to
// probe an upgrade of that polling session, which then runs as on a
// WebSocket ("2probe", "3probe", "5").

// Session close codes sent to a client refused before it has a session.
const (
	wtCodeRefused webtransport.SessionErrorCode = 1
)

// WebTransportHandler returns the handler to mount on the engine's path of
// wt's HTTP/3 server: it checks the Origin header against Options.CORS,
// upgrades the request with wt, and serves the session (ServeWebTransport).
// Set wt.CheckOrigin to accept every origin, since this handler checks it.
func (srv *Server) WebTransportHandler(wt *webtransport.Server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !originAllowed(srv.opts.CORS, r) {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		if !srv.opts.allows(TransportWebTransport) {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		sess, err := wt.Upgrade(w, r)
		if err != nil {
			srv.opts.Logger.Debug("engineio: webtransport upgrade failed", "err", err)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		srv.ServeWebTransport(sess, r)
	})
}

// ServeWebTransport runs the Engine.IO handshake on an upgraded
// WebTransport session whose CONNECT request was r: it waits up to
// UpgradeTimeout for the client's stream and its OPEN packet, then opens a
// new session or probes the upgrade of a polling one, and returns. A
// client that sends anything else, or that the server refuses (shutting
// down, full, AllowRequest), has its WebTransport session closed.
func (srv *Server) ServeWebTransport(sess *webtransport.Session, r *http.Request) {
	str, dec, open, err := srv.acceptWebTransport(sess)
	if err != nil {
		srv.opts.Logger.Debug("engineio: webtransport handshake failed", "err", err)
		_ = sess.CloseWithError(wtCodeRefused, "")
		return
	}
	if len(open.Data) == 0 {
		srv.handshakeWebTransport(sess, str, dec, r)
		return
	}
	var m struct {
		SID string `json:"sid"`
	}
	if json.Unmarshal(open.Data, &m) != nil || m.SID == "" {
		_ = sess.CloseWithError(wtCodeRefused, "invalid handshake")
		return
	}
	srv.upgradeWebTransport(sess, str, dec, m.SID)
}

var errNotOpen = errors.New("engineio: the first webtransport packet is not an OPEN packet")

// acceptWebTransport waits for the client's stream and its first packet.
func (srv *Server) acceptWebTransport(sess *webtransport.Session) (*webtransport.Stream, *packet.StreamReader, packet.Packet, error) {
	ctx, cancel := context.WithTimeout(sess.Context(), srv.opts.UpgradeTimeout)
	defer cancel()
	str, err := sess.AcceptStream(ctx)
	if err != nil {
		return nil, nil, packet.Packet{}, err
	}
	deadline, _ := ctx.Deadline()
	_ = str.SetReadDeadline(deadline)
	dec := packet.NewStreamReader(str, srv.opts.MaxHTTPBufferSize)
	p, err := dec.Next()
	_ = str.SetReadDeadline(time.Time{})
	switch {
	case err != nil:
		return nil, nil, p, err
	case p.Type != packet.Open:
		return nil, nil, p, errNotOpen
	}
	p.Data = append([]byte(nil), p.Data...) // the reader reuses its buffer
	return str, dec, p, nil
}

// handshakeWebTransport opens a session on a direct WebTransport, after
// the checks of a WebSocket handshake.
func (srv *Server) handshakeWebTransport(sess *webtransport.Session, str *webtransport.Stream, dec *packet.StreamReader, r *http.Request) {
	if e := srv.checkWebTransport(r); e != nil {
		srv.refused(e)
		_ = sess.CloseWithError(wtCodeRefused, e.Message)
		return
	}
	s := srv.newSession(wtRequest(r))
	t := newWTTransport(s, sess, str, dec, false)
	s.transport = t
	srv.wg.Add() // for readLoop, before open: open may close the session
	if e := srv.open(s, false); e != nil {
		srv.wg.Done()
		srv.refused(e)
		_ = sess.CloseWithError(wtCodeRefused, e.Message)
		return
	}
	go t.readLoop()
}

// checkWebTransport makes the checks of checkHandshake that apply to a
// CONNECT request (the Origin was checked before the upgrade). The
// official client's URL has no query (engine.io-client builds it without
// its query parameters), so a missing EIO counts as 4, as Node, which
// checks none; any other value is refused.
func (srv *Server) checkWebTransport(r *http.Request) *RequestError {
	get := *r
	get.Method = http.MethodGet
	eio := r.URL.Query().Get("EIO")
	if eio == "" {
		eio = "4"
	}
	return srv.checkHandshake(&get, eio, false)
}

// wtRequest is r as Session.Request shows it: an HTTP/3 CONNECT's
// RequestURI is its authority, not its path.
func wtRequest(r *http.Request) *http.Request {
	c := *r
	c.RequestURI = r.URL.RequestURI()
	return &c
}

// upgradeWebTransport makes the stream the probe of polling session sid,
// dropped after UpgradeTimeout unless the client completes the upgrade.
func (srv *Server) upgradeWebTransport(sess *webtransport.Session, str *webtransport.Stream, dec *packet.StreamReader, sid string) {
	s := srv.Session(sid)
	if s == nil || srv.opts.DisableUpgrades {
		_ = sess.CloseWithError(wtCodeRefused, "invalid handshake")
		return
	}
	t := newWTTransport(s, sess, str, dec, true)
	s.mu.Lock()
	_, polling := s.transport.(*pollingTransport)
	if !polling || s.probe != nil || s.reserved || s.state != stateOpen {
		s.mu.Unlock()
		_ = sess.CloseWithError(wtCodeRefused, "upgrade refused")
		return
	}
	s.probe = t
	t.timer = time.AfterFunc(srv.opts.UpgradeTimeout, func() {
		s.mu.Lock()
		pending := s.probe == prober(t)
		s.mu.Unlock()
		if pending {
			t.dropProbe()
		}
	})
	s.mu.Unlock()
	srv.wg.Add()
	go t.readLoop()
}
