package chat

import (
	"github.com/duplexio/duplex/socketio"
)

// roomRequest checks the rate and decodes the room name of a join-room or
// leave-room request, answering ack itself when it fails.
func (c *Chat) roomRequest(m *member, a socketio.Args, ack socketio.AckFunc) (string, bool) {
	if !c.allow(m, m.requests) {
		ack(errorAck{errRequestRate.Error()})
		return "", false
	}
	room, err := decodeString(a.Raw(0))
	if err == nil {
		err = c.checkRoom(room)
	}
	if err != nil {
		ack(errorAck{err.Error()})
		return "", false
	}
	return room, true
}

// handleJoinRoom puts the socket in a room, creating it on first use, and
// answers with the room's history, bounded in bytes by HistoryRoomBytes.
// Joining and recording a message share the room's lock, so a message
// reaches the joiner either live or in the history.
func (c *Chat) handleJoinRoom(m *member, a socketio.Args, ack socketio.AckFunc) {
	name, ok := c.roomRequest(m, a, ack)
	if !ok {
		return
	}
	var r *room
	if _, ok := m.addRoom(name, c.opts.MaxRoomsPerUser, func() { r = c.rooms.join(name) }); !ok {
		ack(errorAck{errTooManyRooms(c.opts.MaxRoomsPerUser).Error()})
		return
	}
	if r == nil { // already a member
		r = c.rooms.get(name)
	}
	msgs := []Message{}
	if r != nil {
		msgs = r.replay(func() { m.s.Join(RoomPrefix + name) })
	}
	ack(historyAck{History: msgs})
}

// handleLeaveRoom takes the socket out of a room; leaving a room one is not
// in is no error.
func (c *Chat) handleLeaveRoom(m *member, a socketio.Args, ack socketio.AckFunc) {
	room, ok := c.roomRequest(m, a, ack)
	if !ok {
		return
	}
	m.dropRoom(room, func() {
		m.s.Leave(RoomPrefix + room)
		c.rooms.leave(room)
	})
	ack(okAck{})
}

// handleListRooms answers a page of this node's rooms, in name order,
// that start with the request's prefix: the rooms the welcome leaves out
// are found this way. It costs O(log rooms) plus the page.
func (c *Chat) handleListRooms(m *member, a socketio.Args, ack socketio.AckFunc) {
	if !c.allow(m, m.requests) {
		ack(errorAck{errRequestRate.Error()})
		return
	}
	var req listRoomsRequest
	if a.Len() > 0 {
		if err := decodeObject(a.Raw(0), req.fields()); err != nil {
			ack(errorAck{err.Error()})
			return
		}
	}
	rooms, more := c.rooms.list(req.Prefix, req.After, c.opts.ListRoomsPage)
	res := roomsAck{Rooms: rooms}
	if more {
		res.Next = rooms[len(rooms)-1]
	}
	ack(res)
}

// handleTyping forwards a typing indicator to the audience a message with
// the same room and to would have. It is volatile and never answered: an
// indicator past the rate, to a room the sender is not in or to a user
// this node does not know is dropped, without asking the cluster.
func (c *Chat) handleTyping(m *member, a socketio.Args) {
	var req typingRequest
	if a.Len() > 0 && decodeObject(a.Raw(0), req.fields()) != nil {
		return
	}
	if !c.allow(m, m.typing) {
		return
	}
	var to *socketio.BroadcastOperator
	switch {
	case req.Room != "" && req.To != "", req.To == m.ID:
		return
	case req.Room != "":
		if !m.s.InRoom(RoomPrefix + req.Room) {
			return
		}
		to = m.s.To(RoomPrefix + req.Room)
	case req.To != "":
		if !c.knownUser(req.To) {
			return
		}
		to = m.s.To(req.To)
	default:
		to = m.s.Broadcast()
	}
	_ = to.Volatile().Emit(EventTyping, Typing{From: m.User, Room: req.Room, To: req.To})
}
