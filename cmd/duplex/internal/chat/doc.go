// Package chat is the chat protocol that cmd/duplex serves: display names
// given at connection, public messages, rooms with a replayed history,
// direct messages, typing indicators. Register installs it on a
// socketio.Namespace; the web page in package web and any bot speaking the
// same events are its clients.
//
// The protocol (README.md, "Chat protocol", documents it for client authors):
//
//	connect auth          {name?, token?}        refused with connect_error when invalid or taken
//	client -> server
//	  message             {text, room?, to?}     ack {id, ts} or {error}
//	  join-room           room                   ack {history: [received-message...]} or {error}
//	  leave-room          room                   ack {} or {error}
//	  list-rooms          {prefix?, after?}      ack {rooms: [name...], next?} or {error}
//	  typing              {room?, to?}
//	  logout                                     ack {}: the session is forgotten
//	server -> client
//	  welcome             {id, name, token?, users: [{id, name}], rooms: [name...], joined: [name...], moreRooms?}
//	  user-joined         {id, name}
//	  user-left           {id, name}
//	  received-message    {id, from: {id, name}, text, room?, to?, ts}
//	  typing              {from: {id, name}, room?, to?}
//	  kicked              {reason}               then the connection closes
//	  room-created        {room}
//
// No user can stall, starve, impersonate or exhaust the others (README.md,
// "Chat limits"; the abuse suite tests each): requests go through per-user
// token buckets, a user is in at most MaxRoomsPerUser rooms, histories and
// so join-room answers are bounded in bytes, the welcome lists the most
// active rooms only, display names are unique up to case and look-alike
// letters, and payload keys match exactly (typed handlers and
// socketio.DecodeJSON, the library's default: see protocol.go). Membership
// checks are O(1) (Socket.InRoom); each room has its own lock (rooms), and
// c.mu, the users' lock, covers no work that grows with the rooms.
//
// A user's id is its session's (see session): the first welcome gives the
// client a token, which later connections present to be the same user,
// with its name and rooms, after a reload, a lost connection or (with
// Redis) a restart or a move to another node. The connections of user U
// are in the Socket.IO room UserRoomPrefix+U, where direct messages go.
// Chat room R is the Socket.IO room RoomPrefix+R: socket-id and user rooms
// stay out of reach of join-room, so nobody can join another user's room
// and read their direct messages. A connection recovered by socketio
// (Options.ConnectionStateRecovery) keeps its rooms; one that was not is
// put back in its session's rooms before its events are handled.
//
// On a cluster (a Redis or NATS adapter) messages, typing indicators and
// user-joined/user-left cross nodes through the adapter. The welcome lists
// the users and member rooms of every node (FetchSockets: a socket's Data
// is its User here, the User's JSON decoded into a map on another node,
// valid from a socket in that user's room), and a direct message to a user
// of another node is checked by its user room. With Options.Redis the
// sessions and room histories are in Redis, for every node; without, they
// stay per node. A welcome is a snapshot: a user joining or
// leaving another node at that moment may also be told by user-joined or
// user-left, possibly before the welcome, so clients key users by id.
package chat
