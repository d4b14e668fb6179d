package relay

import (
	"context"
	"encoding/json"
	"net"
	"strconv"
	"time"
)

// Message types of the announcements on the Bus.
const (
	msgHello    = "hello"    // a node started: everyone announces themselves
	msgAnnounce = "announce" // a node is alive and serves HTTP at Addr
	msgBye      = "bye"      // a node is leaving: forget it at once
)

// message is one announcement, JSON on the Bus:
// {"type":"announce","node":"Xk3_9a","addr":"10.0.0.5:3000"}.
type message struct {
	Type string `json:"type"`
	Node string `json:"node"`
	Addr string `json:"addr,omitempty"`
}

func (r *Relay) publish(typ string) {
	b, _ := json.Marshal(message{Type: typ, Node: r.id, Addr: r.addr})
	ctx, cancel := context.WithTimeout(r.ctx, r.opts.AnnounceInterval)
	defer cancel()
	if err := r.bus.Publish(ctx, b); err != nil && r.ctx.Err() == nil {
		r.opts.Logger.Warn("relay: announcement not published", "type", typ, "err", err)
	}
}

// announceLoop announces the node every AnnounceInterval, and when a new
// node says hello, until Close.
func (r *Relay) announceLoop() {
	defer r.loop.Done()
	t := time.NewTicker(r.opts.AnnounceInterval)
	defer t.Stop()
	for {
		select {
		case <-r.ctx.Done():
			return
		case <-t.C:
			r.publish(msgAnnounce)
		case <-r.kick:
			r.publish(msgAnnounce)
		}
	}
}

// handle applies one announcement from the Bus. Anything malformed is
// dropped: the broker is shared with other programs.
func (r *Relay) handle(data []byte) {
	var m message
	if json.Unmarshal(data, &m) != nil || !validNodeID(m.Node) {
		return
	}
	if m.Node == r.id {
		if m.Addr != r.addr && m.Type == msgAnnounce {
			r.opts.Logger.Error("relay: another node announces this node's id; restart one of them", "node", m.Node, "addr", m.Addr)
		}
		return
	}
	switch m.Type {
	case msgHello:
		r.peers.seen(m.Node, m.Addr, r.opts)
		select { // the loop answers: not on the Bus's goroutine, and many hellos make one announcement
		case r.kick <- struct{}{}:
		default:
		}
	case msgAnnounce:
		r.peers.seen(m.Node, m.Addr, r.opts)
	case msgBye:
		r.peers.forget(m.Node, "")
	}
}

// validAddr accepts host:port with a numeric port.
func validAddr(addr string) bool {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host == "" || len(addr) > 255 {
		return false
	}
	n, err := strconv.Atoi(port)
	return err == nil && n > 0 && n < 1<<16
}
