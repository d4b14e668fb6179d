package chat

import (
	"github.com/duplexio/duplex/socketio"
)

// handleMessage delivers a message to its audience and acknowledges it
// with its id and timestamp, or with the reason it was refused. A room
// message is recorded in the room's history under the room's own lock;
// public and direct messages take no lock of the chat.
func (c *Chat) handleMessage(m *member, req *messageRequest, decodeErr error, ack socketio.AckFunc) {
	if !c.admit(m, m.messages, errMessageRate, decodeErr == nil && req != nil, ack) { // nil: null, or no payload
		return
	}
	if err := c.checkText(req.Text); err != nil {
		ack(errorAck{err.Error()})
		return
	}
	msg := Message{ID: newMessageID(), From: m.User, Text: req.Text, Room: req.Room, To: req.To, TS: c.opts.Now().UnixMilli()}
	to, err := c.audience(m, req.Room, req.To)
	if err != nil {
		ack(errorAck{err.Error()})
		return
	}
	if req.Room == "" {
		_ = to.Emit(EventReceivedMessage, msg)
	} else if r := c.rooms.get(req.Room); r != nil {
		c.rooms.record(r, msg, func() { _ = to.Emit(EventReceivedMessage, msg) })
	} else {
		ack(errorAck{errNotMember(req.Room).Error()}) // left meanwhile
		return
	}
	ack(sentAck{ID: msg.ID, TS: msg.TS})
}

// audience returns the recipients of a message from m: the other members
// of room, the connections of the user to (its room UserRoomPrefix+to),
// or every other user. Room membership is the sender's, so this node
// knows it, in O(1) however many rooms m is in; the user to may be on any
// node, and one not on this node is looked up in the cluster.
func (c *Chat) audience(m *member, room, to string) (*socketio.BroadcastOperator, error) {
	switch {
	case room != "" && to != "":
		return nil, errRoomAndTo
	case room != "":
		if !m.s.InRoom(RoomPrefix + room) {
			return nil, errNotMember(room)
		}
		return m.s.To(RoomPrefix + room), nil
	case to == m.ID:
		return nil, errToSelf
	case to != "":
		if !c.isUser(to) {
			return nil, errNoSuchUser
		}
		return m.s.To(UserRoomPrefix + to), nil
	}
	return m.s.Broadcast(), nil
}
