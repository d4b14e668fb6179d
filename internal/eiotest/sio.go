package eiotest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/duplexio/duplex/engineio/packet"
	"github.com/duplexio/duplex/parser"
)

// SIO is a Socket.IO client on top of a Conn: it sends Socket.IO packets
// and decodes those in the server's Message packets, binary attachments
// included. Next, NextEvent and Connect must be called from one goroutine.
type SIO struct {
	*Conn
	dec     parser.Decoder
	backlog []*parser.Packet // packets Connect read past
}

// DialSIO is Dial with Path defaulting to "/socket.io/". It sends no
// CONNECT: see Connect.
func DialSIO(t testing.TB, baseURL string, o Options) *SIO {
	t.Helper()
	if o.Path == "" {
		o.Path = "/socket.io/"
	}
	return &SIO{Conn: Dial(t, baseURL, o)}
}

// SendPacket sends p: its text part, then one binary message per
// attachment (in one POST over polling).
func (s *SIO) SendPacket(p *parser.Packet) error {
	pkts := make([]packet.Packet, 0, 1+len(p.Attachments))
	pkts = append(pkts, packet.Packet{Type: packet.Message, Data: p.AppendText(nil)})
	for _, a := range p.Attachments {
		pkts = append(pkts, packet.Packet{Type: packet.Message, Data: a, Binary: true})
	}
	return s.Send(pkts...)
}

// Connect sends CONNECT for nsp with auth (JSON-encoded unless nil) and
// returns the CONNECT or CONNECT_ERROR reply for nsp. Other packets read
// meanwhile are kept for Next.
func (s *SIO) Connect(nsp string, auth any) (*parser.Packet, error) {
	p := &parser.Packet{Type: parser.Connect, Namespace: nsp}
	if auth != nil {
		data, err := json.Marshal(auth)
		if err != nil {
			return nil, err
		}
		p.Data = data
	}
	if err := s.SendPacket(p); err != nil {
		return nil, err
	}
	want := nsp
	if want == "" {
		want = "/"
	}
	deadline := time.Now().Add(DefaultTimeout)
	var kept []*parser.Packet
	defer func() { s.backlog = append(s.backlog, kept...) }()
	for {
		r, err := s.read(time.Until(deadline))
		if err != nil {
			return nil, err
		}
		if (r.Type == parser.Connect || r.Type == parser.ConnectError) && r.Namespace == want {
			return r, nil
		}
		kept = append(kept, r)
	}
}

// Emit sends an EVENT on nsp; with ackID set the packet asks for an ack.
// []byte arguments become binary attachments.
func (s *SIO) Emit(nsp string, ackID *uint64, event string, args ...any) error {
	data, att, err := parser.MarshalArray(append([]any{event}, args...))
	if err != nil {
		return err
	}
	p := &parser.Packet{Type: parser.Event, Namespace: nsp, Data: data, Attachments: att}
	if ackID != nil {
		p.ID, p.HasID = *ackID, true
	}
	return s.SendPacket(p)
}

// Next returns the next Socket.IO packet, waiting at most d.
func (s *SIO) Next(d time.Duration) (*parser.Packet, error) {
	if len(s.backlog) > 0 {
		p := s.backlog[0]
		s.backlog = s.backlog[1:]
		return p, nil
	}
	return s.read(d)
}

// NextEvent returns the next EVENT named event, skipping other packets.
func (s *SIO) NextEvent(d time.Duration, event string) (*parser.Packet, error) {
	deadline := time.Now().Add(d)
	for {
		p, err := s.Next(time.Until(deadline))
		if err != nil {
			return nil, err
		}
		if p.Type == parser.Event && EventName(p) == event {
			return p, nil
		}
	}
}

// EventName returns the name of an EVENT packet (the first element of its
// data), or "" when it has none.
func EventName(p *parser.Packet) string {
	var arr []json.RawMessage
	if json.Unmarshal(p.Data, &arr) != nil || len(arr) == 0 {
		return ""
	}
	var name string
	if json.Unmarshal(arr[0], &name) != nil {
		return ""
	}
	return name
}

// read decodes engine messages until a Socket.IO packet is complete. A
// close packet ends the connection: ErrClosed.
func (s *SIO) read(d time.Duration) (*parser.Packet, error) {
	deadline := time.Now().Add(d)
	for {
		ep, err := s.Recv(max(time.Until(deadline), 0))
		if err != nil {
			return nil, err
		}
		switch ep.Type {
		case packet.Message:
		case packet.Close:
			return nil, ErrClosed
		default:
			continue // noop, or a ping with NoAutoPong
		}
		var p *parser.Packet
		if ep.Binary {
			p, err = s.dec.DecodeBinary(ep.Data)
		} else {
			p, err = s.dec.DecodeText(ep.Data)
		}
		if err != nil {
			return nil, fmt.Errorf("eiotest: Socket.IO packet %q: %w", ep.Data, err)
		}
		if p != nil {
			return p, nil
		}
	}
}
