package chat

import (
	"encoding/json"
	"slices"

	"github.com/duplexio/duplex/socketio"
)

// authenticate is the namespace middleware: the auth payload must carry a
// valid display name, which becomes the socket's User.
func (c *Chat) authenticate(s *socketio.Socket) error {
	var a auth
	if raw := s.Handshake().Auth; len(raw) > 0 {
		_ = json.Unmarshal(raw, &a) // a payload that is no object has no name
	}
	name, err := c.checkName(a.Name)
	if err != nil {
		return &socketio.ConnectError{Message: err.Error()}
	}
	s.SetData(User{ID: s.ID(), Name: name})
	return nil
}

// onConnection registers the protocol's handlers on a new user's socket,
// then welcomes it and tells the others.
func (c *Chat) onConnection(s *socketio.Socket) {
	me, _ := s.Data().(User)
	s.On(EventMessage, func(a socketio.Args, ack socketio.AckFunc) { c.handleMessage(s, me, a, ack) })
	s.On(EventJoinRoom, func(a socketio.Args, ack socketio.AckFunc) { c.handleJoinRoom(s, a, ack) })
	s.On(EventLeaveRoom, func(a socketio.Args, ack socketio.AckFunc) { c.handleLeaveRoom(s, a, ack) })
	s.On(EventTyping, func(a socketio.Args) { c.handleTyping(s, me, a) })
	s.OnDisconnect(func(reason string) { c.removeUser(s, me, reason) })
	c.addUser(s, me)
}

// addUser welcomes a new user with the users and rooms of every node, and
// tells the others. The other nodes are asked first, without c.mu (a
// round trip through the broker must not hold up this node's chat); the
// socket is already in the adapter then, so a user arriving on another
// node meanwhile is either in the answer or heard of by user-joined. The
// answer leaves this node's users out: they come from c.users, under c.mu.
func (c *Chat) addUser(s *socketio.Socket, me User) {
	remoteUsers, remoteRooms := c.remoteUsers()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.users[me.ID] = me
	users, rooms := c.snapshot(remoteUsers, remoteRooms)
	_ = s.Emit(EventWelcome, Welcome{ID: me.ID, Name: me.Name, Users: users, Rooms: rooms})
	_ = s.Broadcast().Emit(EventUserJoined, me)
}

// removeUser forgets a user who disconnected and tells the others, unless
// the server is shutting down: then everyone is leaving, and telling each
// of n users about the n-1 others would cost n² messages for nothing.
func (c *Chat) removeUser(s *socketio.Socket, me User, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.users, me.ID)
	if reason != socketio.ReasonServerShutdown {
		_ = s.Broadcast().Emit(EventUserLeft, me)
	}
}

// handleMessage delivers a message to its audience and acknowledges it
// with its id and timestamp, or with the reason it was refused.
func (c *Chat) handleMessage(s *socketio.Socket, me User, a socketio.Args, ack socketio.AckFunc) {
	var req messageRequest
	if err := decodeArg(a, &req); err != nil {
		ack(errorAck{err.Error()})
		return
	}
	if err := c.checkText(req.Text); err != nil {
		ack(errorAck{err.Error()})
		return
	}
	msg := Message{ID: newMessageID(), From: me, Text: req.Text, Room: req.Room, To: req.To, TS: c.opts.Now().UnixMilli()}
	to, err := c.audience(s, req.Room, req.To)
	if err != nil {
		ack(errorAck{err.Error()})
		return
	}
	c.mu.Lock()
	_ = to.Emit(EventReceivedMessage, msg)
	if req.Room != "" {
		c.history.add(req.Room, msg)
	}
	c.mu.Unlock()
	ack(sentAck{ID: msg.ID, TS: msg.TS})
}

// handleJoinRoom puts the socket in a room, creating it on first use, and
// answers with the room's history. Joining and recording a message share
// c.mu, so a message reaches the joiner either live or in the history.
func (c *Chat) handleJoinRoom(s *socketio.Socket, a socketio.Args, ack socketio.AckFunc) {
	var room string
	if err := decodeArg(a, &room); err != nil {
		ack(errorAck{err.Error()})
		return
	}
	if err := c.checkRoom(room); err != nil {
		ack(errorAck{err.Error()})
		return
	}
	c.mu.Lock()
	s.Join(RoomPrefix + room)
	msgs := c.history.get(room)
	c.mu.Unlock()
	ack(historyAck{History: msgs})
}

// handleLeaveRoom takes the socket out of a room; leaving a room one is not
// in is no error.
func (c *Chat) handleLeaveRoom(s *socketio.Socket, a socketio.Args, ack socketio.AckFunc) {
	var room string
	if err := decodeArg(a, &room); err != nil {
		ack(errorAck{err.Error()})
		return
	}
	if err := c.checkRoom(room); err != nil {
		ack(errorAck{err.Error()})
		return
	}
	s.Leave(RoomPrefix + room)
	ack(okAck{})
}

// handleTyping forwards a typing indicator to the audience a message with
// the same room and to would have. It is volatile and never refused: an
// indicator that cannot be delivered is dropped.
func (c *Chat) handleTyping(s *socketio.Socket, me User, a socketio.Args) {
	var req typingRequest
	if a.Len() > 0 && a.Decode(0, &req) != nil {
		return
	}
	to, err := c.audience(s, req.Room, req.To)
	if err != nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	_ = to.Volatile().Emit(EventTyping, Typing{From: me, Room: req.Room, To: req.To})
}

// audience returns the recipients of a message from s: the other members
// of room, the user to, or every other user. Room membership is the
// sender's, so this node knows it; the user to may be on any node, and
// one not on this node is looked up in the cluster. The caller does not
// hold c.mu.
func (c *Chat) audience(s *socketio.Socket, room, to string) (*socketio.BroadcastOperator, error) {
	switch {
	case room != "" && to != "":
		return nil, errRoomAndTo
	case room != "":
		if !slices.Contains(s.Rooms(), RoomPrefix+room) {
			return nil, errNotMember(room)
		}
		return s.To(RoomPrefix + room), nil
	case to == s.ID():
		return nil, errToSelf
	case to != "":
		if !c.isUser(to) {
			return nil, errNoSuchUser
		}
		return s.To(to), nil
	}
	return s.Broadcast(), nil
}

// decodeArg decodes the event's first argument into v.
func decodeArg(a socketio.Args, v any) error {
	if a.Len() == 0 || a.Decode(0, v) != nil {
		return errInvalidPayload
	}
	return nil
}
