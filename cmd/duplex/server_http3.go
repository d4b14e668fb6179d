package main

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"

	"github.com/quic-go/quic-go/http3"
	"github.com/quic-go/webtransport-go"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/socketio"
)

// TLS and HTTP/3.
//
// --tls-cert and --tls-key serve --addr over HTTPS; --http3-addr (which
// needs them) serves the webtransport transport over HTTP/3 on that UDP
// address and offers it to clients. The browser client opens WebTransport
// at the page's own host and port, so --http3-addr should have --addr's
// port (UDP and TCP ports are apart: both can be 443).

// loadTLS reads the certificate and key files, when given.
func loadTLS(cfg *config) (*tls.Config, error) {
	if cfg.tlsCert == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(cfg.tlsCert, cfg.tlsKey)
	if err != nil {
		return nil, fmt.Errorf("--tls-cert/--tls-key: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// enableWebTransport adds the webtransport transport to the engine's
// options, before the server is made.
func enableWebTransport(cfg *config, opts *socketio.Options) {
	if cfg.http3Addr != "" {
		opts.Engine.Transports = []string{engineio.TransportPolling, engineio.TransportWebSocket, engineio.TransportWebTransport}
	}
}

// newWebTransport makes the HTTP/3 server of the webtransport transport;
// it serves nothing but WebTransport sessions on the Socket.IO path.
func (s *server) newWebTransport() {
	if s.cfg.http3Addr == "" {
		return
	}
	h3 := &http3.Server{TLSConfig: http3.ConfigureTLSConfig(s.tls.Clone())}
	wt := &webtransport.Server{
		H3:          h3,
		CheckOrigin: func(*http.Request) bool { return true }, // the engine checks it against --cors-origins
	}
	webtransport.ConfigureHTTP3Server(h3)
	wtHandler := s.io.WebTransportHandler(wt)
	h3.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect {
			http.NotFound(w, r)
			return
		}
		wtHandler.ServeHTTP(w, r)
	})
	s.wt = wt
}

// listenHTTP3 binds the UDP socket of --http3-addr, if any.
func (s *server) listenHTTP3() error {
	if s.wt == nil {
		return nil
	}
	conn, err := net.ListenPacket("udp", s.cfg.http3Addr)
	if err != nil {
		return fmt.Errorf("--http3-addr: %w", err)
	}
	s.h3conn = conn
	return nil
}

// serveHTTP3 serves WebTransport on the socket listenHTTP3 bound, until
// closeHTTP3.
func (s *server) serveHTTP3(errc chan<- error) {
	if s.h3conn == nil {
		return
	}
	s.log.Info("duplex serving WebTransport over HTTP/3", "addr", s.h3conn.LocalAddr().String())
	go func() {
		errc <- s.wt.Serve(s.h3conn) // buffered: nobody reads it after a shutdown
	}()
}

// closeHTTP3 closes the HTTP/3 server, once the engine closed its sessions.
func (s *server) closeHTTP3() {
	if s.wt != nil {
		_ = s.wt.Close()
	}
	if s.h3conn != nil {
		_ = s.h3conn.Close()
	}
}
