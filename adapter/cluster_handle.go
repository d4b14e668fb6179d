package adapter

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/duplexio/duplex/parser"
)

// deliver handles a message from the transport: answers go to the pending
// requests, requests from other nodes are applied to the local sockets.
// This node's own messages, echoed by the broker, are ignored: their local
// part was done when they were sent.
func (c *Cluster) deliver(m *Message) {
	if m.Type.IsResponse() {
		c.reqs.dispatch(m)
		return
	}
	if m.UID == c.uid {
		return
	}
	opts := m.Opts
	if opts == nil {
		opts = &BroadcastOptions{}
	}
	switch m.Type {
	case MsgBroadcast:
		if m.Packet == nil {
			return
		}
		if m.RequestID != "" {
			c.answerBroadcast(m, opts)
			return
		}
		c.Memory.Broadcast(m.Packet, opts)
	case MsgSocketsJoin:
		c.Memory.AddSockets(opts, m.Rooms)
	case MsgSocketsLeave:
		c.Memory.DelSockets(opts, m.Rooms)
	case MsgDisconnectSockets:
		c.Memory.DisconnectSockets(opts, m.Close)
	case MsgFetchSockets:
		sockets, _ := c.Memory.FetchSockets(context.Background(), opts)
		if x, ok := c.ns.(DataExporter); ok {
			for i := range sockets {
				sockets[i].Data = x.ExportData(sockets[i].ID, sockets[i].Data)
			}
		}
		c.respond(m, &Message{Type: MsgFetchSocketsResponse, Sockets: sockets})
	case MsgAllRooms:
		c.respond(m, &Message{Type: MsgAllRoomsResponse, Rooms: c.Rooms()})
	case MsgServerSideEmit:
		c.onServerSideEmit(m)
	}
}

// respond answers the request m with r.
func (c *Cluster) respond(m *Message, r *Message) {
	r.UID = c.uid
	r.RequestID = m.RequestID
	if err := c.t.PublishResponse(context.Background(), m.UID, r); err != nil {
		c.log.Warn("adapter: cluster response failed", "nsp", c.ns.Name(), "type", r.Type, "err", err)
	}
}

// answerBroadcast delivers another node's broadcast with acks to the local
// sockets under a local ack id, then reports the client count and forwards
// each acknowledgement. The local waits are dropped after the timeout, so
// silent clients do not keep them forever.
func (c *Cluster) answerBroadcast(m *Message, opts *BroadcastOptions) {
	if c.cns == nil {
		c.respond(m, &Message{Type: MsgBroadcastClientCount})
		return
	}
	p := *m.Packet
	p.ID, p.HasID = c.cns.NextAckID(), true
	onCount := func(n int) { c.respond(m, &Message{Type: MsgBroadcastClientCount, ClientCount: n}) }
	onAck := func(a *parser.Packet) {
		if a != nil { // nil: the client left without answering, which no node reports
			c.respond(m, &Message{Type: MsgBroadcastAck, Packet: a})
		}
	}
	c.Memory.BroadcastWithAck(&p, opts, onCount, onAck)
	d := opts.Flags.Timeout
	if d <= 0 {
		d = c.timeout
	}
	time.AfterFunc(d, func() { c.cns.ForgetAck(p.ID) })
}

// onServerSideEmit hands another node's event to the namespace, with an
// ack that answers at most once when the sender waits for one.
func (c *Cluster) onServerSideEmit(m *Message) {
	if c.cns == nil || m.Packet == nil {
		return
	}
	var ack func(json.RawMessage)
	if m.RequestID != "" {
		var once sync.Once
		ack = func(answer json.RawMessage) {
			once.Do(func() { c.respond(m, &Message{Type: MsgServerSideEmitResponse, Data: answer}) })
		}
	}
	c.cns.ServerSideEmitReceived(m.Packet, ack)
}
