// Package chat is the chat protocol that cmd/duplex serves: display names
// given at connection, public messages, rooms with a replayed history,
// direct messages, typing indicators. Register installs it on a
// socketio.Namespace; the web page in package web and any bot speaking the
// same events are its clients.
//
// The protocol (README.md, "Chat protocol", documents it for client authors):
//
//	connect auth          {name}                 refused with connect_error when invalid
//	client -> server
//	  message             {text, room?, to?}     ack {id, ts} or {error}
//	  join-room           room                   ack {history: [received-message...]} or {error}
//	  leave-room          room                   ack {} or {error}
//	  typing              {room?, to?}
//	server -> client
//	  welcome             {id, name, users: [{id, name}], rooms: [name...]}
//	  user-joined         {id, name}
//	  user-left           {id, name}
//	  received-message    {id, from: {id, name}, text, room?, to?, ts}
//	  typing              {from: {id, name}, room?, to?}
//
// A user's id is its socket id. Chat room R is the Socket.IO room
// RoomPrefix+R: socket-id rooms stay out of reach of join-room, so nobody
// can join another user's private room and read their direct messages.
package chat
