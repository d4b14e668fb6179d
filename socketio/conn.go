package socketio

import (
	"errors"
	"math"
	"sync"
	"time"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/internal/enginehook"
	"github.com/duplexio/duplex/parser"
)

// conn bridges one engine session to the sockets it opened, one per
// namespace (Node's "Client"). It decodes packets and routes them.
type conn struct {
	server  *Server
	session *engineio.Session
	decoder parser.Decoder // used only from OnMessage, which never overlaps
	attach  attachmentWait // see conn_attachments.go
	flow    flow           // see flow.go
	// deferrer runs a socket's handlers on the goroutine that read their
	// event (see Socket.enqueue); set before the first message.
	deferrer enginehook.Deferrer

	mu           sync.Mutex
	sockets      connSockets // one per namespace
	connectTimer *time.Timer
}

var errInvalidState = errors.New("socketio: packet for a namespace that is not connected")

func newConn(s *Server, sess *engineio.Session) *conn {
	c := &conn{server: s, session: sess}
	c.decoder.MaxPendingBytes = int(min(s.opts.MaxPendingAttachmentBytes, math.MaxInt))
	c.connectTimer = time.AfterFunc(s.opts.ConnectTimeout, c.onConnectTimeout)
	return c
}

var _ enginehook.Receiver = (*conn)(nil)

// BindDeferrer implements enginehook.Receiver.
func (c *conn) BindDeferrer(d enginehook.Deferrer) { c.deferrer = d }

// onConnectTimeout closes a connection that joined no namespace in time.
func (c *conn) onConnectTimeout() {
	c.mu.Lock()
	idle := c.sockets.len() == 0
	c.mu.Unlock()
	if idle {
		c.server.opts.Logger.Debug("socketio: connect timeout", "sid", c.session.ID())
		c.session.Close()
	}
}

// OnMessage implements engineio.Receiver.
func (c *conn) OnMessage(data []byte, binary bool) {
	// A text packet is decoded on the stack: route copies what it keeps
	// (a socket queues events by value), so that an event costs no
	// allocation for its packet.
	var text parser.Packet
	var p *parser.Packet
	var err error
	if c.server.opts.Parser == ParserMsgpack {
		p, err = decodeMsgpack(data, binary)
	} else if binary {
		if p, err = c.decoder.DecodeBinary(data); p != nil {
			c.stopAttachmentWait()
		}
	} else {
		var complete bool
		if complete, err = c.decoder.DecodeTextTo(&text, data); complete {
			p = &text
		} else if err == nil {
			c.startAttachmentWait()
		}
	}
	if err != nil {
		c.logInvalid(err)
		c.session.Abort(engineio.ReasonParseError, err)
		return
	}
	if p != nil {
		c.route(p)
	}
}

func (c *conn) route(p *parser.Packet) {
	c.mu.Lock()
	s := c.socket(p.Namespace)
	c.mu.Unlock()
	switch {
	case s == nil && p.Type == parser.Connect:
		c.connect(p)
	case s != nil && p.Type != parser.Connect && p.Type != parser.ConnectError:
		s.onPacket(p)
	default:
		// As Node does: a packet that does not fit the state ends the client.
		c.server.opts.Logger.Debug("socketio: invalid state", "sid", c.session.ID(), "type", p.Type, "nsp", p.Namespace)
		c.closeAll(ReasonForcedClose, errInvalidState)
		c.session.Close()
	}
}

func (c *conn) connect(p *parser.Packet) {
	srv := c.server
	var ns *Namespace
	ok := !srv.isClosing()
	if ok {
		ns, ok = srv.lookup(p.Namespace, p.Data)
	}
	if !ok {
		c.writePacket(&parser.Packet{Type: parser.ConnectError, Namespace: p.Namespace,
			Data: (&ConnectError{Message: "Invalid namespace"}).payload()})
		return
	}
	s := newSocket(ns, c, p.Data)
	c.mu.Lock()
	c.sockets.add(s)
	c.mu.Unlock()
	s.dispatch(s.runConnect)
}

// connected is called once a socket passed its middleware.
func (c *conn) connected() { c.stopConnectTimer() }

// stopConnectTimer stops the connect timeout and lets the timer go: an
// idle connection should not keep it.
func (c *conn) stopConnectTimer() {
	c.mu.Lock()
	if c.connectTimer != nil {
		c.connectTimer.Stop()
		c.connectTimer = nil
	}
	c.mu.Unlock()
}

// socket returns the socket of namespace nsp; the caller holds c.mu.
func (c *conn) socket(nsp string) *Socket {
	return c.sockets.get(nsp)
}

func (c *conn) removeSocket(s *Socket) {
	c.mu.Lock()
	c.sockets.remove(s)
	c.mu.Unlock()
}

// writePacket sends one packet to this connection.
func (c *conn) writePacket(p *parser.Packet) error {
	msgs := c.server.encode(p)
	if len(msgs) == 0 {
		return nil
	}
	return c.session.Write(msgs...)
}

// OnClose implements engineio.Receiver: every socket goes with the engine.
func (c *conn) OnClose(reason string, err error) {
	c.stopConnectTimer()
	c.stopAttachmentWait()
	c.decoder.Reset()
	c.closeAll(reason, err)
}

func (c *conn) closeAll(reason string, err error) {
	c.mu.Lock()
	all := c.sockets.all()
	c.mu.Unlock()
	for _, s := range all {
		s.onClose(reason, err)
	}
}

// disconnectAll sends DISCONNECT to every socket, then closes the engine
// session once that is written (Socket.Disconnect(true)).
func (c *conn) disconnectAll() {
	c.mu.Lock()
	all := c.sockets.all()
	c.mu.Unlock()
	for _, s := range all {
		s.Disconnect(false)
	}
	c.session.Close()
}

// textOf returns the text part of p in one allocation: 43 bytes bound what
// comes before the data (type, attachment count and dash, namespace
// comma, a 20-digit ack id).
func textOf(p *parser.Packet) []byte {
	return p.AppendText(make([]byte, 0, 43+len(p.Namespace)+len(p.Data)))
}

// messages returns the engine messages of a packet's text and attachments.
func messages(text []byte, attachments [][]byte) []engineio.Message {
	msgs := make([]engineio.Message, 1, 1+len(attachments))
	msgs[0] = engineio.Message{Data: text}
	for _, a := range attachments {
		msgs = append(msgs, engineio.Message{Data: a, Binary: true})
	}
	return msgs
}
