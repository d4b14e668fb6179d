package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/duplexio/duplex/client/engineio"
	"github.com/duplexio/duplex/internal/typedfunc"
	"github.com/duplexio/duplex/parser"
	"github.com/duplexio/duplex/parser/msgpackparser"
)

// errNoSID is the connect error of a CONNECT answer without a socket id,
// which is what a Socket.IO v2 server sends.
var errNoSID = errors.New("client: the server's CONNECT has no sid: is it a Socket.IO v2 server?")

// onPacket handles a packet of this socket's namespace that e read, on
// the engine's read path.
func (s *Socket) onPacket(e engineConn, p *parser.Packet) {
	switch p.Type {
	case parser.Connect:
		s.onConnect(e, p)
	case parser.ConnectError:
		s.onConnectError(e, p)
	case parser.Event:
		s.onEvent(e, p)
	case parser.Ack:
		s.onAck(p)
	case parser.Disconnect:
		s.onServerDisconnect(e)
	}
}

// onConnect handles the server's acceptance: the buffered emits leave, and
// the "connect" listeners run.
func (s *Socket) onConnect(e engineConn, p *parser.Packet) {
	var body struct {
		SID string `json:"sid"`
		PID string `json:"pid"`
	}
	if json.Unmarshal(p.Data, &body) != nil || body.SID == "" {
		s.refuse(errNoSID)
		return
	}
	s.mu.Lock()
	if s.state != stateConnecting {
		if s.state == stateClosed {
			// Closed while the server was accepting: tell it.
			_ = e.Write(s.m.encode(&parser.Packet{Type: parser.Disconnect, Namespace: s.nsp})...)
		}
		s.mu.Unlock()
		return
	}
	s.state, s.eng, s.id = stateConnected, e, body.SID
	s.recovered = body.PID != "" && body.PID == s.pid
	s.pid = body.PID
	s.flushLocked(e)
	for _, ev := range s.early {
		s.dispatch(func() { s.handleEvent(ev.event, ev.args, ev.ack) })
	}
	s.early = nil
	for _, ch := range s.waiters {
		ch <- nil
	}
	s.waiters = nil
	s.dispatchReservedLocked("connect", nil)
	s.mu.Unlock()
	s.m.opts.Logger.Debug("client: socket connected", "nsp", s.nsp, "id", body.SID)
}

// flushLocked sends the send buffer over e.
func (s *Socket) flushLocked(e engineConn) {
	for _, op := range s.sendBuf {
		if op.w != nil {
			op.w.sent.Store(true)
		}
		_ = e.WriteUrgent(s.m.encode(op.p)...)
	}
	clear(s.sendBuf)
	s.sendBuf = nil
}

// onConnectError handles the server's refusal.
func (s *Socket) onConnectError(_ engineConn, p *parser.Packet) {
	ce := parseConnectError(s.nsp, p.Data)
	s.m.opts.Logger.Debug("client: connect error", "nsp", s.nsp, "message", ce.Message)
	s.refuse(ce)
}

// onServerDisconnect handles the server's DISCONNECT: the socket is closed
// and does not reconnect.
func (s *Socket) onServerDisconnect(e engineConn) {
	m := s.m
	m.mu.Lock()
	s.mu.Lock()
	if s.state == stateConnected && s.eng == e {
		s.endLocked(ReasonServerDisconnect, ErrDisconnected, false)
	}
	s.mu.Unlock()
	eng, _ := m.socketEndedLocked()
	m.mu.Unlock()
	m.closeLater(eng)
}

// engineClosed handles the end of the connection e; m.mu is held. With
// reconnect, the socket waits for the next connection; otherwise it is
// closed.
func (s *Socket) engineClosed(e engineConn, reason string, err error, reconnect bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.state == stateConnected && s.eng == e && reconnect:
		s.state, s.eng, s.id = stateConnecting, nil, ""
		s.acks.failSent(s, ErrDisconnected)
		s.dispatchDisconnect(reason, err)
	case s.state == stateConnected && s.eng == e:
		s.endLocked(reason, err, false)
	case s.state == stateConnecting && !reconnect:
		s.endLocked("", fmt.Errorf("client: connection closed: %s", reason), false)
	}
}

// connectFailedLocked tells a socket waiting to connect that a connection
// attempt failed; m.mu is held. Sockets in a Connect call give up; those
// reconnecting by themselves wait for the next attempt.
func (s *Socket) connectFailedLocked(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != stateConnecting {
		return
	}
	if len(s.waiters) > 0 {
		s.endLocked("", err, false)
	}
	s.dispatchConnectErrorLocked(err)
}

// endLocked closes the socket: the waiting Connect calls get cause, the
// buffered emits and the acknowledgement waits are dropped (the waits
// fail), and if it was connected its "disconnect" listeners get reason,
// after the server got a DISCONNECT when sendDisconnect is set.
func (s *Socket) endLocked(reason string, cause error, sendDisconnect bool) {
	was, e := s.state, s.eng
	s.state, s.eng, s.id = stateClosed, nil, ""
	if was == stateConnected && sendDisconnect && e != nil {
		_ = e.WriteUrgent(s.m.encode(&parser.Packet{Type: parser.Disconnect, Namespace: s.nsp})...)
	}
	clear(s.sendBuf)
	s.sendBuf, s.early = nil, nil
	for _, ch := range s.waiters {
		ch <- cause
	}
	s.waiters = nil
	s.acks.failAll(s, ErrDisconnected)
	if was == stateConnected {
		var err error
		if cause != ErrDisconnected && cause != ErrClosed {
			err = cause
		}
		s.dispatchDisconnect(reason, err)
	}
}

// dispatchDisconnect queues the "disconnect" listeners; s.mu is held.
func (s *Socket) dispatchDisconnect(reason string, err error) {
	s.m.opts.Logger.Debug("client: socket disconnected", "nsp", s.nsp, "reason", reason, "err", err)
	desc := ""
	if err != nil {
		desc = err.Error()
	}
	// Both arguments always: a func(reason, desc string) listener must not
	// fail on a missing description.
	raw := []json.RawMessage{jsonString(reason), jsonString(desc)}
	s.dispatchReservedLocked("disconnect", raw)
}

// maxEarlyEvents bounds the events kept while the socket waits for the
// server's CONNECT answer.
const maxEarlyEvents = 1024

// earlyEvent is an event received before the CONNECT answer.
type earlyEvent struct {
	event string
	args  Args
	ack   AckFunc
}

// onEvent queues the handlers of an event, waiting while too many are
// queued already. Events that come before the CONNECT answer (a recovering
// server replays the missed ones first) are kept until it comes, as
// socket.io-client does.
func (s *Socket) onEvent(e engineConn, p *parser.Packet) {
	event, args, err := splitEvent(p)
	if err != nil {
		s.m.opts.Logger.Debug("client: invalid event", "nsp", s.nsp, "err", err)
		return
	}
	var ack AckFunc
	if p.HasID {
		ack = s.ackFunc(e, p.ID)
	}
	s.mu.Lock()
	if s.pid != "" && s.state != stateClosed {
		s.trackOffsetLocked(args)
	}
	switch {
	case s.state == stateConnecting && len(s.early) < maxEarlyEvents:
		s.early = append(s.early, earlyEvent{event, args, ack})
		s.mu.Unlock()
		return
	case s.state != stateConnected || s.eng != e:
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	select {
	case s.slots <- struct{}{}:
	case <-e.Context().Done():
		return
	}
	s.dispatch(func() {
		defer func() { <-s.slots }()
		s.handleEvent(event, args, ack)
	})
}

// trackOffsetLocked records the offset a recovering server appends to the
// events it may replay: their last argument, when it is a string.
func (s *Socket) trackOffsetLocked(args Args) {
	if n := args.Len(); n > 0 {
		var off string
		if json.Unmarshal(args.Raw(n-1), &off) == nil {
			s.offset = off
		}
	}
}

// onAck delivers an ACK packet to the emit waiting for it.
func (s *Socket) onAck(p *parser.Packet) {
	w := s.acks.take(p.ID)
	if w == nil {
		return // unknown, answered or timed out: ignored, as Node does
	}
	args, err := ackArgs(p)
	s.resolve(w, args, err)
}

// ackFunc returns the callback that answers the server's acknowledgement
// request id; only its first call sends.
func (s *Socket) ackFunc(e engineConn, id uint64) AckFunc {
	var once sync.Once
	return func(args ...any) {
		once.Do(func() {
			data, att, err := parser.MarshalArray(args)
			if err != nil {
				s.emitError(fmt.Errorf("client: cannot encode ack: %w", err))
				return
			}
			p := &parser.Packet{Type: parser.Ack, Namespace: s.nsp, ID: id, HasID: true, Data: data, Attachments: cloneAll(att)}
			_ = e.Write(s.m.encode(p)...)
		})
	}
}

// splitEvent returns the event name and arguments of an EVENT packet.
func splitEvent(p *parser.Packet) (string, Args, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(p.Data, &raw); err != nil || len(raw) == 0 {
		return "", Args{}, fmt.Errorf("client: invalid event payload: %w", parser.ErrInvalidPacket)
	}
	event := string(raw[0])
	if len(raw[0]) > 0 && raw[0][0] == '"' {
		if err := json.Unmarshal(raw[0], &event); err != nil {
			return "", Args{}, err
		}
	}
	return event, typedfunc.NewArgs(raw[1:], p.Attachments), nil
}

// ackArgs returns the arguments of an ACK packet.
func ackArgs(p *parser.Packet) (Args, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(p.Data, &raw); err != nil {
		return Args{}, err
	}
	return typedfunc.NewArgs(raw, p.Attachments), nil
}

// encode turns a packet into its engine messages in the Manager's parser
// format (see Options.Parser). A packet the msgpack encoder cannot write
// (data that is not valid JSON, which no packet this package builds holds)
// is logged and becomes no message.
func (m *Manager) encode(p *parser.Packet) []engineio.Message {
	if m.opts.Parser == ParserMsgpack {
		b, err := msgpackparser.Encode(p)
		if err != nil {
			m.opts.Logger.Error("client: cannot encode packet", "err", err)
			return nil
		}
		return []engineio.Message{{Data: b, Binary: true}}
	}
	return encodePacket(p)
}

// encodePacket turns a packet into its engine messages: the text part,
// then one binary message per attachment.
func encodePacket(p *parser.Packet) []engineio.Message {
	out := make([]engineio.Message, 1, 1+len(p.Attachments))
	out[0] = engineio.Message{Data: p.AppendText(nil)}
	for _, a := range p.Attachments {
		out = append(out, engineio.Message{Data: a, Binary: true})
	}
	return out
}

func jsonString(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}
