package socketio

import (
	"errors"
	"sync/atomic"
	"time"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/parser"
)

// errAttachmentTimeout is why a connection is closed whose binary packet
// did not get all its attachments in time.
var errAttachmentTimeout = errors.New("socketio: attachments of a binary packet not received in time")

// attachmentWait bounds in time what the decoder holds for a binary packet
// waiting for its attachments (bounded in bytes by
// Options.MaxPendingAttachmentBytes): a client that answers pings but never
// sends the last attachment would otherwise keep it for as long as its
// connection lasts.
type attachmentWait struct {
	timer *time.Timer   // while a packet waits; used from OnMessage and OnClose only
	gen   atomic.Uint64 // bumped when the wait ends, so that a timer firing late does nothing
}

// startAttachmentWait starts the clock for the binary packet the decoder
// has just started.
func (c *conn) startAttachmentWait() {
	gen := c.attach.gen.Load()
	wait := c.server.opts.attachmentWait()
	c.attach.timer = time.AfterFunc(wait, func() { c.onAttachmentTimeout(gen, wait) })
}

// stopAttachmentWait ends the wait: the packet completed or the
// connection closed.
func (c *conn) stopAttachmentWait() {
	if c.attach.timer == nil {
		return
	}
	c.attach.gen.Add(1)
	c.attach.timer.Stop()
	c.attach.timer = nil
}

func (c *conn) onAttachmentTimeout(gen uint64, wait time.Duration) {
	if c.attach.gen.Load() != gen {
		return
	}
	c.server.opts.Logger.Warn("socketio: binary packet incomplete, closing", "sid", c.session.ID(), "waited", wait)
	c.session.Abort(engineio.ReasonParseError, errAttachmentTimeout)
}

// logInvalid logs why a packet closes its connection: a limit reached at
// warning level (once: the connection closes), a malformed packet at debug.
func (c *conn) logInvalid(err error) {
	if errors.Is(err, parser.ErrPendingTooLarge) {
		c.server.opts.Logger.Warn("socketio: binary packet too large, closing", "sid", c.session.ID(), "err", err)
		return
	}
	c.server.opts.Logger.Debug("socketio: invalid packet", "sid", c.session.ID(), "err", err)
}
