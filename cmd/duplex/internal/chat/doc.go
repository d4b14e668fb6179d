// Package chat is the chat protocol that cmd/duplex serves: display names
// given at connection, public messages, rooms with a replayed history,
// direct messages, typing indicators. Register installs it on a
// socketio.Namespace; the web page in package web and any bot speaking the
// same events are its clients.
//
// The protocol (README.md, "Chat protocol", documents it for client authors):
//
//	connect auth          {name, key?}           refused with connect_error when invalid or taken
//	client -> server
//	  message             {text, room?, to?}     ack {id, ts} or {error}
//	  join-room           room                   ack {history: [received-message...]} or {error}
//	  leave-room          room                   ack {} or {error}
//	  list-rooms          {prefix?, after?}      ack {rooms: [name...], next?} or {error}
//	  typing              {room?, to?}
//	server -> client
//	  welcome             {id, name, users: [{id, name}], rooms: [name...], moreRooms?}
//	  user-joined         {id, name}
//	  user-left           {id, name}
//	  received-message    {id, from: {id, name}, text, room?, to?, ts}
//	  typing              {from: {id, name}, room?, to?}
//	  kicked              {reason}               then the connection closes
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
// A user's id is its socket id. Chat room R is the Socket.IO room
// RoomPrefix+R: socket-id rooms stay out of reach of join-room, so nobody
// can join another user's private room and read their direct messages.
//
// On a cluster (a Redis or NATS adapter) messages, typing indicators and
// user-joined/user-left cross nodes through the adapter. The welcome lists
// the users and member rooms of every node (FetchSockets: a socket's Data
// is its User here, the User's JSON decoded into a map on another node),
// and a direct message or typing indicator to a user of another node is
// checked the same way. Room histories and the rooms known only by their
// history stay per node. A welcome is a snapshot: a user joining or
// leaving another node at that moment may also be told by user-joined or
// user-left, possibly before the welcome, so clients key users by id.
package chat
