package chat

import (
	"github.com/duplexio/duplex/socketio"
)

// roomRequest checks the rate, the decoding (decodeErr) and the room name
// of a join-room or leave-room request, answering ack itself when one
// fails.
func (c *Chat) roomRequest(m *member, room string, decodeErr error, ack socketio.AckFunc) bool {
	if !c.admit(m, m.requests, errRequestRate, decodeErr == nil, ack) {
		return false
	}
	if err := c.checkRoom(room); err != nil {
		ack(errorAck{err.Error()})
		return false
	}
	return true
}

// handleJoinRoom puts the socket in a room, creating it on first use, and
// answers with the room's history, bounded in bytes by HistoryRoomBytes.
func (c *Chat) handleJoinRoom(m *member, name string, decodeErr error, ack socketio.AckFunc) {
	if !c.roomRequest(m, name, decodeErr, ack) {
		return
	}
	msgs, added, ok := c.joinRoom(m, name)
	if !ok {
		ack(errorAck{errTooManyRooms(c.opts.MaxRoomsPerUser).Error()})
		return
	}
	if added {
		c.saveSession(m)
	}
	ack(historyAck{History: msgs})
}

// joinRoom puts m in room name, unless it is there already, and returns
// the room's history, whether m was not in it before, and false when m is
// at its MaxRoomsPerUser bound. Joining and recording a message share the
// room's lock, so a message reaches the joiner either live or in the
// history. A room new on this node is announced to everyone (room-created),
// so that the pages' lists of rooms follow.
func (c *Chat) joinRoom(m *member, name string) ([]Message, bool, bool) {
	var r *room
	created := false
	added, ok := m.addRoom(name, c.opts.MaxRoomsPerUser, func() { r, created = c.rooms.join(name) })
	if !ok {
		return nil, false, false
	}
	if r == nil { // already a member
		r = c.rooms.get(name)
	}
	msgs := []Message{}
	if r != nil {
		msgs = c.rooms.replay(r, func() { m.s.Join(RoomPrefix + name) })
	}
	if created {
		_ = m.s.Broadcast().Emit(EventRoomCreated, RoomCreated{Room: name})
	}
	return msgs, added, true
}

// handleLeaveRoom takes the socket out of a room; leaving a room one is not
// in is no error.
func (c *Chat) handleLeaveRoom(m *member, room string, decodeErr error, ack socketio.AckFunc) {
	if !c.roomRequest(m, room, decodeErr, ack) {
		return
	}
	if m.dropRoom(room, func() {
		m.s.Leave(RoomPrefix + room)
		c.rooms.leave(room)
	}) {
		c.saveSession(m)
	}
	ack(okAck{})
}

// handleListRooms answers a page of this node's rooms, in name order,
// that start with the request's prefix (none, null or {} list them all):
// the rooms the welcome leaves out are found this way. It costs
// O(log rooms) plus the page.
func (c *Chat) handleListRooms(m *member, req *listRoomsRequest, decodeErr error, ack socketio.AckFunc) {
	if !c.admit(m, m.requests, errRequestRate, decodeErr == nil, ack) {
		return
	}
	if req == nil {
		req = &listRoomsRequest{}
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
// this node does not know is dropped, without asking the cluster, and so
// is one whose payload does not decode (decodeErr), without counting it.
// No payload, or null, is a public indicator.
func (c *Chat) handleTyping(m *member, req *typingRequest, decodeErr error) {
	if decodeErr != nil || !c.allow(m, m.typing) {
		return
	}
	if req == nil {
		req = &typingRequest{}
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
		to = m.s.To(UserRoomPrefix + req.To)
	default:
		to = m.s.Broadcast()
	}
	_ = to.Volatile().Emit(EventTyping, Typing{From: m.User, Room: req.Room, To: req.To})
}
