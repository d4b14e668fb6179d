package chat

import (
	"crypto/subtle"
	"slices"

	"github.com/duplexio/duplex/socketio"
)

// authenticate is the namespace middleware: the auth payload must carry a
// valid display name, not taken by a connected user, which becomes the
// socket's User.
func (c *Chat) authenticate(s *socketio.Socket) error {
	a := authOf(s)
	name, err := c.checkName(a.Name)
	if err == nil && c.nameTaken(name, a.Key) {
		err = errNameTaken
	}
	if err != nil {
		return &socketio.ConnectError{Message: err.Error()}
	}
	s.SetData(User{ID: s.ID(), Name: name})
	return nil
}

// authOf decodes the socket's auth payload; a payload that does not
// decode (no object, or a name or key that is no string) has no name, and
// a key over maxKey bytes is no key.
func authOf(s *socketio.Socket) auth {
	var a auth
	if raw := s.Handshake().Auth; len(raw) > 0 && socketio.DecodeJSON(raw, &a) != nil {
		a = auth{}
	}
	if len(a.Key) > maxKey {
		a.Key = ""
	}
	return a
}

// maxKey bounds the auth key: 128 random bits are 32 hex digits.
const maxKey = 128

func (c *Chat) nameTaken(name, key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, taken := c.owners(name, key)
	return taken
}

// owners returns the connected users whose names look like name, and
// whether the name is taken: some of them do not hold key (an empty key
// holds nothing). The caller holds c.mu.
func (c *Chat) owners(name, key string) ([]*member, bool) {
	var out []*member
	taken := false
	for _, k := range nameKeys(name) {
		id, ok := c.names[k]
		if !ok || slices.ContainsFunc(out, func(m *member) bool { return m.ID == id }) {
			continue
		}
		o := c.users[id]
		out = append(out, o)
		taken = taken || key == "" || subtle.ConstantTimeCompare([]byte(o.key), []byte(key)) != 1
	}
	return out, taken
}

// onConnection registers the protocol's handlers on a new user's socket,
// then welcomes it and tells the others.
func (c *Chat) onConnection(s *socketio.Socket) {
	u, _ := s.Data().(User)
	m := newMember(u, s, &c.opts)
	m.key = authOf(s).Key
	// A payload that does not decode reaches the handler anyway, as the
	// *socketio.ArgError of its error parameter: the handler counts it
	// against the user's rate like any request, then refuses it with
	// errInvalidPayload (typing drops it, uncounted).
	s.On(EventMessage, func(req *messageRequest, err error, ack socketio.AckFunc) { c.handleMessage(m, req, err, ack) })
	s.On(EventJoinRoom, func(room string, err error, ack socketio.AckFunc) { c.handleJoinRoom(m, room, err, ack) })
	s.On(EventLeaveRoom, func(room string, err error, ack socketio.AckFunc) { c.handleLeaveRoom(m, room, err, ack) })
	s.On(EventListRooms, func(req *listRoomsRequest, err error, ack socketio.AckFunc) { c.handleListRooms(m, req, err, ack) })
	s.On(EventTyping, func(req *typingRequest, err error) { c.handleTyping(m, req, err) })
	s.OnDisconnect(func(reason string) { c.removeUser(m, reason) })
	c.addUser(m)
}

// addUser welcomes a new user with the users and rooms of every node, and
// tells the others. The other nodes are asked first, without c.mu (a
// round trip through the broker must not hold up this node's chat); the
// socket is already in the adapter then, so a user arriving on another
// node meanwhile is either in the answer or heard of by user-joined. The
// answer leaves this node's users out: they come from c.users, under c.mu.
// A user who took the name since the middleware checked it wins: this one
// is told and disconnected. Names are checked on this node only: a stale
// listing from another node (a page that moved there as it reconnected)
// would refuse an honest user, so look-alikes on two nodes are told apart
// by the page, by id.
func (c *Chat) addUser(m *member) {
	remoteUsers, remoteRooms := c.fetchRemoteUsers()
	rooms, more := c.welcomeRooms(remoteRooms)
	replaced, ok := c.welcome(m, remoteUsers, rooms, more)
	if !ok {
		c.kick(m, errNameTaken.Error())
	}
	for _, o := range replaced {
		c.kick(o, errReplaced.Error())
	}
}

// welcome registers m and sends its welcome under c.mu, reporting false
// when its name was taken meanwhile. The users of that name holding m's
// key are replaced: the others hear that they left, and the caller kicks
// them.
func (c *Chat) welcome(m *member, remoteUsers []User, rooms []string, more bool) ([]*member, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	replaced, taken := c.owners(m.Name, m.key)
	if taken {
		return nil, false
	}
	for _, o := range replaced {
		c.forgetLocked(o)
		_ = o.s.Broadcast().Emit(EventUserLeft, o.User)
	}
	c.users[m.ID] = m
	for _, k := range nameKeys(m.Name) {
		c.names[k] = m.ID
	}
	for _, u := range remoteUsers {
		c.remote.add(c.opts.Now().UnixNano(), u.ID)
	}
	w := Welcome{ID: m.ID, Name: m.Name, Users: c.welcomeUsers(remoteUsers), Rooms: rooms, MoreRooms: more}
	_ = m.s.Emit(EventWelcome, w)
	_ = m.s.Broadcast().Emit(EventUserJoined, m.User)
	return replaced, true
}

// forgetLocked removes m from the users and their names. The caller holds
// c.mu.
func (c *Chat) forgetLocked(m *member) {
	delete(c.users, m.ID)
	for _, k := range nameKeys(m.Name) {
		if c.names[k] == m.ID {
			delete(c.names, k)
		}
	}
}

// removeUser forgets a user who disconnected and tells the others, unless
// the server is shutting down: then everyone is leaving, and telling each
// of n users about the n-1 others would cost n² messages for nothing.
func (c *Chat) removeUser(m *member, reason string) {
	for _, r := range m.leaveAll() {
		c.rooms.leave(r)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.users[m.ID] != m {
		return // never added (kicked by addUser), or replaced
	}
	c.forgetLocked(m)
	if reason != socketio.ReasonServerShutdown {
		_ = m.s.Broadcast().Emit(EventUserLeft, m.User)
	}
}

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
	to, err := c.audience(m.s, req.Room, req.To)
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

// audience returns the recipients of a message from s: the other members
// of room, the user to, or every other user. Room membership is the
// sender's, so this node knows it, in O(1) however many rooms s is in;
// the user to may be on any node, and one not on this node is looked up
// in the cluster.
func (c *Chat) audience(s *socketio.Socket, room, to string) (*socketio.BroadcastOperator, error) {
	switch {
	case room != "" && to != "":
		return nil, errRoomAndTo
	case room != "":
		if !s.InRoom(RoomPrefix + room) {
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
