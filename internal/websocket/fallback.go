package websocket

import (
	"errors"
	"net"

	"github.com/lxzan/gws"
)

// The goroutine reader.
//
// A connection the poller cannot read (a *tls.Conn, whose bytes must go
// through crypto/tls; any connection outside Linux) is read by gws's read
// loop on a goroutine of its own, with gws's frame parser: the same
// checks (RFC 6455, MaxPayload, UTF-8) as the poller's, and its events
// are mapped here onto the same Handler contract.

// gwsEvents routes gws's callbacks to the Conn stored in its session slot.
type gwsEvents struct{}

func connOf(gc *gws.Conn) *Conn {
	v, _ := gc.Session().Load("")
	c, _ := v.(*Conn)
	return c
}

func (gwsEvents) OnOpen(*gws.Conn) {}

// OnClose reports the end as the poller does: net.ErrClosed after
// Conn.Close (whatever the read saw then: closing a *tls.Conn sends
// close_notify, and the peer's answer may still be read), a close frame
// from the peer as a *CloseError.
func (gwsEvents) OnClose(gc *gws.Conn, err error) {
	c := connOf(gc)
	if c == nil || c.h == nil {
		return
	}
	var ce *gws.CloseError
	if c.closed.Load() {
		err = net.ErrClosed
	} else if errors.As(err, &ce) {
		code := int(ce.Code)
		if code == 0 {
			code = CodeNoStatus
		}
		err = &CloseError{Code: code, Reason: string(ce.Reason)}
	}
	c.h.OnClose(err)
}

func (gwsEvents) OnPing(gc *gws.Conn, payload []byte) {
	if c := connOf(gc); c != nil && c.h != nil {
		_ = c.WriteFrame(opPong, payload)
		c.h.OnPing(payload)
	}
}

func (gwsEvents) OnPong(*gws.Conn, []byte) {}

// OnMessage delivers a message once the connection is not paused: this
// goroutine reads only this connection, so while it waits the kernel
// holds what follows.
func (gwsEvents) OnMessage(gc *gws.Conn, m *gws.Message) {
	defer m.Close()
	if c := connOf(gc); c != nil && c.h != nil && c.waitResumed() {
		c.h.OnMessage(m.Bytes(), m.Opcode == gws.OpcodeBinary)
	}
}

// slot is a one-value gws.SessionStorage: the Conn, without the map gws
// would otherwise allocate for each connection.
type slot struct{ v any }

func (s *slot) Len() int {
	if s.v == nil {
		return 0
	}
	return 1
}
func (s *slot) Load(string) (any, bool)        { return s.v, s.v != nil }
func (s *slot) Delete(string)                  { s.v = nil }
func (s *slot) Store(_ string, v any)          { s.v = v }
func (s *slot) Range(f func(string, any) bool) { f("", s.v) }
