package main

import (
	"bytes"
	"crypto/tls"
	"errors"
	"net"

	"github.com/duplexio/duplex/relay"
	"github.com/duplexio/duplex/socketio"
)

// useRelay makes this cluster node forward the requests of other nodes'
// sessions to them (package relay), so that a round-robin balancer needs
// no sticky sessions. brokerAddr is the broker's host:port, from which the
// advertised address is guessed when --addr names every interface.
func (s *server) useRelay(opts *socketio.Options, bus relay.Bus, brokerAddr string) {
	s.relay = relay.New(bus, &relay.Options{Logger: s.log, TLS: peerTLS(s.tls)})
	s.brokerAddr = brokerAddr
	opts.Engine.Router = s.relay
}

// startRelay announces the node at --advertise-addr, or else at the
// address it listens on, made reachable (advertiseAddr).
func (s *server) startRelay(listen net.Addr) error {
	if s.relay == nil {
		return nil
	}
	addr := s.cfg.advertiseAddr
	if addr == "" {
		addr = advertiseAddr(listen, s.brokerAddr)
	}
	if err := s.relay.Start(addr); err != nil {
		return err
	}
	s.log.Info("relay: forwarding other nodes' sessions; no sticky sessions needed", "node", s.relay.NodeID(), "advertise", addr)
	return nil
}

// advertiseAddr is the address at which the other nodes reach a node
// listening on listen. A listener on every interface (":3000",
// "0.0.0.0:3000", "[::]:3000") has no address to give; the node then
// gives the local address of its route to the broker, the network the
// nodes share, or the loopback one when the broker is local. Containers
// and NAT need --advertise-addr.
func advertiseAddr(listen net.Addr, brokerAddr string) string {
	host, port, err := net.SplitHostPort(listen.String())
	if err != nil {
		return listen.String()
	}
	if ip := net.ParseIP(host); ip != nil && !ip.IsUnspecified() {
		return listen.String()
	}
	return net.JoinHostPort(routeIP(brokerAddr), port)
}

// routeIP returns the local IP of the route to addr: a UDP "connection"
// sends no packet, only picks the source address.
func routeIP(addr string) string {
	if c, err := net.Dial("udp", addr); err == nil {
		defer c.Close()
		if a, ok := c.LocalAddr().(*net.UDPAddr); ok && !a.IP.IsUnspecified() {
			return a.IP.String()
		}
	}
	return "127.0.0.1"
}

// relayChannel names the Redis channel of the announcements: outside the
// adapter's key prefix, so that no adapter pattern (Node's either) matches.
func relayChannel(key string) string { return "duplex-relay#" + key }

// peerTLS is the client side of forwarding between nodes that serve
// --tls-cert themselves (nil without it): a peer is reached at its
// advertised address, usually an IP its certificate does not name, so
// instead of a host name check the peer must present the certificate this
// node serves, the one the cluster's nodes share. Nodes with certificates
// of their own belong behind a balancer that terminates TLS.
func peerTLS(own *tls.Config) *tls.Config {
	if own == nil || len(own.Certificates) == 0 {
		return nil
	}
	leaf := own.Certificates[0].Certificate[0]
	return &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, // replaced by VerifyConnection's pinning
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 || !bytes.Equal(cs.PeerCertificates[0].Raw, leaf) {
				return errors.New("relay: the peer does not serve this node's --tls-cert")
			}
			return nil
		},
	}
}
