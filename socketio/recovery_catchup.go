package socketio

import (
	"context"
	"sync"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/parser"
)

// catchUpMaxBytes bounds the broadcasts held for a restored socket while
// it joins its rooms (one round trip to the store). Past it the socket's
// connection is closed once caught up: the client recovers again from the
// last offset it got, and the store still has the rest.
const catchUpMaxBytes = 1 << 20

// catchUp closes the gap between a restore and live delivery when the
// store is an adapter.CatchUp (see there): while the restored socket joins
// its rooms its broadcasts are held, then the store is read again after
// the last offset sent, then the held broadcasts are sent but those sent
// already. Afterwards a broadcast whose offset is not after that last
// offset is one the restore sent, and is dropped.
type catchUp struct {
	store   adapter.CatchUp
	session *adapter.Session

	mu       sync.Mutex
	active   bool   // holding broadcasts
	last     string // offset of the last stored packet sent by the restore
	held     []heldBroadcast
	bytes    int
	overflow bool
}

type heldBroadcast struct {
	p        *parser.Packet
	msgs     []engineio.Message
	volatile bool
}

// newCatchUp returns the catch-up of a socket restored from session with
// missed, for a client whose last offset was offset; nil when the store
// needs none.
func newCatchUp(store adapter.SessionStore, session *adapter.Session, missed []*parser.Packet, offset string) *catchUp {
	cs, ok := store.(adapter.CatchUp)
	if !ok {
		return nil
	}
	c := &catchUp{store: cs, session: session, last: offset, active: true}
	for _, p := range missed {
		if off, ok := adapter.Offset(p); ok {
			c.last = off
		}
	}
	return c
}

// deliver sends a broadcast to s, or holds or drops it during and after
// a catch-up.
func (s *Socket) deliver(p *parser.Packet, msgs []engineio.Message, volatile bool) {
	if c := s.catch; c != nil && !c.admit(p, msgs, volatile) {
		return
	}
	_ = s.writeEncoded(p, msgs, volatile, false)
}

// admit reports whether a broadcast goes out now: not while held, nor
// when the restore sent it already.
func (c *catchUp) admit(p *parser.Packet, msgs []engineio.Message, volatile bool) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.active {
		n := 0
		for _, m := range msgs {
			n += len(m.Data)
		}
		if c.bytes+n > catchUpMaxBytes {
			c.overflow = true
			return false
		}
		c.bytes += n
		c.held = append(c.held, heldBroadcast{p, msgs, volatile})
		return false
	}
	return c.fresh(p)
}

// fresh reports whether p was not sent by the restore.
func (c *catchUp) fresh(p *parser.Packet) bool {
	off, ok := adapter.Offset(p)
	return !ok || c.store.OffsetAfter(off, c.last)
}

// finishCatchUp runs once the socket is in its rooms: what the store got
// after the restore's last packet, then the broadcasts held meanwhile. It
// runs on the socket's dispatcher, before the CONNECT answer.
func (s *Socket) finishCatchUp() {
	c := s.catch
	if c == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.ns.server.opts.ConnectTimeout)
	defer cancel()
	more, err := c.store.Missed(ctx, c.session, c.last)
	if err != nil {
		s.logger().Debug("socketio: catching up a restored session", "nsp", s.ns.name, "id", s.id, "err", err)
	}
	c.mu.Lock()
	for _, p := range more {
		if off, ok := adapter.Offset(p); ok && c.store.OffsetAfter(off, c.last) {
			_ = s.conn.writePacket(p)
			c.last = off
		}
	}
	for _, h := range c.held {
		if c.fresh(h.p) {
			_ = s.writeEncoded(h.p, h.msgs, h.volatile, false)
		}
	}
	c.held, c.bytes, c.active = nil, 0, false
	lost := c.overflow || err != nil
	c.mu.Unlock()
	if lost {
		// What was dropped is still in the store: the client recovers
		// it from its last offset on its next connection.
		s.conn.session.Close()
	}
}
