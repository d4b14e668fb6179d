package chat

import (
	"context"
	"slices"

	"github.com/duplexio/duplex/socketio"
)

// identity is who a connection is, as authenticate found it: the socket's
// Data from the middleware to onConnection, which replaces it with the
// User. Its JSON is the User's.
type identity struct {
	User
	hash  string   // the token's hash: the session's key in the store
	token string   // set when the session starts now: the welcome gives it
	rooms []string // the session's rooms
}

// authenticate is the namespace middleware: the auth payload must carry
// the token of a session or a valid display name, and the name must not
// be taken by another user connected to this node.
func (c *Chat) authenticate(s *socketio.Socket) error {
	id, err := c.identify(s.Context(), authOf(s))
	if err == nil && c.nameTaken(id.Name, id.ID) {
		err = errNameTaken
	}
	if err != nil {
		return &socketio.ConnectError{Message: err.Error()}
	}
	s.SetData(id)
	return nil
}

// identify returns the user of the session whose token a carries, or
// else starts a session for the display name a carries: a token unknown
// (expired, forgotten at logout, or of a node alone that restarted) gives
// a new user, of the same name if it is free.
func (c *Chat) identify(ctx context.Context, a auth) (*identity, error) {
	if hash := tokenHash(a.Token); hash != "" {
		sess, err := c.sessions.load(ctx, hash)
		if err != nil {
			c.opts.Logger.Warn("chat: loading a session", "err", err)
		}
		if sess != nil {
			if name, err := c.checkName(sess.Name); err == nil && sess.ID != "" {
				return &identity{User: User{ID: sess.ID, Name: name}, hash: hash, rooms: sess.Rooms}, nil
			}
		}
	}
	name, err := c.checkName(a.Name)
	if err != nil {
		return nil, err
	}
	token := newToken()
	return &identity{User: User{ID: newUserID(), Name: name}, hash: tokenHash(token), token: token}, nil
}

// authOf decodes the socket's auth payload; a payload that does not
// decode (no object, or a name or token that is no string) has neither.
func authOf(s *socketio.Socket) auth {
	var a auth
	if raw := s.Handshake().Auth; len(raw) > 0 && socketio.DecodeJSON(raw, &a) != nil {
		a = auth{}
	}
	return a
}

func (c *Chat) nameTaken(name, id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, taken := c.owners(name, id)
	return taken
}

// owners returns the connected users whose names look like name, and
// whether the name is taken: one of them is another user than id. The
// caller holds c.mu.
func (c *Chat) owners(name, id string) ([]*member, bool) {
	var out []*member
	taken := false
	for _, k := range nameKeys(name) {
		uid, ok := c.names[k]
		if !ok || slices.ContainsFunc(out, func(m *member) bool { return m.ID == uid }) {
			continue
		}
		out = append(out, c.users[uid])
		taken = taken || uid != id
	}
	return out, taken
}

// onConnection registers the protocol's handlers on a new connection,
// puts it in its user's room and its session's rooms (and those a
// recovered connection kept), then welcomes it and tells the others.
// The client's events are handled after it returns, so a message the
// page sent as it reconnected finds its rooms joined.
func (c *Chat) onConnection(s *socketio.Socket) {
	id, _ := s.Data().(*identity)
	if id == nil {
		s.Disconnect(true) // not through authenticate: cannot happen
		return
	}
	s.SetData(id.User)
	s.Join(UserRoomPrefix + id.ID)
	m := newMember(id.User, s, &c.opts)
	m.hash = id.hash
	// A payload that does not decode reaches the handler anyway, as the
	// *socketio.ArgError of its error parameter: the handler counts it
	// against the user's rate like any request, then refuses it with
	// errInvalidPayload (typing drops it, uncounted).
	s.On(EventMessage, func(req *messageRequest, err error, ack socketio.AckFunc) { c.handleMessage(m, req, err, ack) })
	s.On(EventJoinRoom, func(room string, err error, ack socketio.AckFunc) { c.handleJoinRoom(m, room, err, ack) })
	s.On(EventLeaveRoom, func(room string, err error, ack socketio.AckFunc) { c.handleLeaveRoom(m, room, err, ack) })
	s.On(EventListRooms, func(req *listRoomsRequest, err error, ack socketio.AckFunc) { c.handleListRooms(m, req, err, ack) })
	s.On(EventTyping, func(req *typingRequest, err error) { c.handleTyping(m, req, err) })
	s.On(EventLogout, func(ack socketio.AckFunc) { c.handleLogout(m, ack) })
	s.OnDisconnect(func(reason string) { c.removeUser(m, reason) })
	c.restoreRooms(m, id.rooms)
	c.addUser(m, id.token)
	c.saveSession(m)
}

// restoreRooms puts m back in the rooms of its session and in those its
// socket is in already (a recovered connection keeps its rooms), within
// MaxRoomsPerUser.
func (c *Chat) restoreRooms(m *member, rooms []string) {
	for _, r := range m.s.Rooms() {
		if name, ok := cutRoom(r); ok {
			rooms = append(rooms, name)
		}
	}
	for _, name := range rooms {
		if c.checkRoom(name) != nil {
			continue
		}
		c.joinRoom(m, name)
	}
}

// saveSession stores m's session, renewing its time to live: at
// connection, and when its rooms change. The save outlives the socket (the
// store bounds its time): a page reloaded right after joining a room
// disconnects at once, and its next connection must find that room.
func (c *Chat) saveSession(m *member) {
	sess := &session{ID: m.ID, Name: m.Name, Rooms: m.roomList()}
	if err := c.sessions.save(context.WithoutCancel(m.s.Context()), m.hash, sess); err != nil {
		c.opts.Logger.Warn("chat: saving a session", "err", err)
	}
}

// handleLogout forgets m's session: its token no longer brings it back.
func (c *Chat) handleLogout(m *member, ack socketio.AckFunc) {
	if err := c.sessions.remove(m.s.Context(), m.hash); err != nil {
		c.opts.Logger.Warn("chat: removing a session", "err", err)
	}
	ack(okAck{})
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
func (c *Chat) addUser(m *member, token string) {
	remoteUsers, remoteRooms := c.fetchRemoteUsers()
	rooms, more := c.welcomeRooms(append(remoteRooms, c.rooms.sharedRecent(c.opts.WelcomeRooms)...))
	replaced, ok := c.welcome(m, Welcome{Token: token, Users: remoteUsers, Rooms: rooms, MoreRooms: more})
	if !ok {
		c.kick(m, errNameTaken.Error())
	}
	for _, o := range replaced {
		c.kick(o, errReplaced.Error())
	}
}

// welcome registers m and sends it w (Users holding the other nodes'
// users) under c.mu, reporting false when its name was taken meanwhile.
// A connection of the same user (a page reloaded before the server saw
// its old connection drop) is replaced: the caller kicks it.
func (c *Chat) welcome(m *member, w Welcome) ([]*member, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	replaced, taken := c.owners(m.Name, m.ID)
	if taken {
		return nil, false
	}
	if o := c.users[m.ID]; o != nil && !slices.Contains(replaced, o) {
		replaced = append(replaced, o) // renamed since: no longer in c.names
	}
	for _, o := range replaced {
		c.forgetLocked(o)
	}
	back := len(replaced) > 0
	c.users[m.ID] = m
	for _, k := range nameKeys(m.Name) {
		c.names[k] = m.ID
	}
	for _, u := range w.Users {
		c.remote.add(c.opts.Now().UnixNano(), u.ID)
	}
	w.ID, w.Name, w.Joined = m.ID, m.Name, m.roomList()
	w.Users = c.welcomeUsers(w.Users)
	_ = m.s.Emit(EventWelcome, w)
	if !back {
		_ = m.s.Broadcast().Emit(EventUserJoined, m.User)
	}
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

// removeUser forgets a connection that closed and tells the others that
// its user left, unless the user is still connected elsewhere (replaced
// here, or on another node it moved to), or the server is shutting down:
// then everyone is leaving, and telling each of n users about the n-1
// others would cost n² messages for nothing. Its session stays.
func (c *Chat) removeUser(m *member, reason string) {
	for _, r := range m.leaveAll() {
		c.rooms.leave(r)
	}
	c.mu.Lock()
	if c.users[m.ID] != m {
		c.mu.Unlock()
		return // never added (kicked by addUser), or replaced
	}
	c.forgetLocked(m)
	c.mu.Unlock()
	if reason == socketio.ReasonServerShutdown || c.connectedElsewhere(m.ID) {
		return
	}
	_ = m.s.Broadcast().Emit(EventUserLeft, m.User)
}

// connectedElsewhere reports whether a connection of user id is in its
// user room on any node: the socket that closed has left it already.
func (c *Chat) connectedElsewhere(id string) bool {
	if c.localUser(id) != nil {
		return true
	}
	ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
	defer cancel()
	sockets, _ := c.ns.In(UserRoomPrefix + id).FetchSockets(ctx)
	return len(sockets) > 0
}
