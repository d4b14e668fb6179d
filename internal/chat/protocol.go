package chat

// Event names of the chat protocol.
const (
	EventMessage   = "message"   // client -> server
	EventJoinRoom  = "join-room" // client -> server
	EventLeaveRoom = "leave-room"
	EventTyping    = "typing" // both ways

	EventWelcome         = "welcome" // server -> client
	EventUserJoined      = "user-joined"
	EventUserLeft        = "user-left"
	EventReceivedMessage = "received-message"
)

// RoomPrefix turns a chat room name into its Socket.IO room name.
const RoomPrefix = "room:"

// User is a connected user: its socket id and display name. It is also
// the socket's Data.
type User struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Message is a delivered message, as received-message carries it and
// join-room's history replays it. Room is set for a room message, To (the
// recipient's id) for a direct one; TS is in milliseconds since the epoch.
type Message struct {
	ID   string `json:"id"`
	From User   `json:"from"`
	Text string `json:"text"`
	Room string `json:"room,omitempty"`
	To   string `json:"to,omitempty"`
	TS   int64  `json:"ts"`
}

// Welcome is the first event a connected user receives: who it is, who is
// online (itself included) and which rooms exist.
type Welcome struct {
	ID    string   `json:"id"`
	Name  string   `json:"name"`
	Users []User   `json:"users"`
	Rooms []string `json:"rooms"`
}

// Typing tells that From is typing, in Room, to the recipient To, or
// publicly when both are empty.
type Typing struct {
	From User   `json:"from"`
	Room string `json:"room,omitempty"`
	To   string `json:"to,omitempty"`
}

// auth is the connection's auth payload.
type auth struct {
	Name string `json:"name"`
}

// messageRequest is the payload of a client's message event.
type messageRequest struct {
	Text string `json:"text"`
	Room string `json:"room,omitempty"`
	To   string `json:"to,omitempty"`
}

// typingRequest is the payload of a client's typing event.
type typingRequest struct {
	Room string `json:"room,omitempty"`
	To   string `json:"to,omitempty"`
}

// Acknowledgement payloads.
type (
	sentAck struct {
		ID string `json:"id"`
		TS int64  `json:"ts"`
	}
	historyAck struct {
		History []Message `json:"history"`
	}
	errorAck struct {
		Error string `json:"error"`
	}
	okAck struct{}
)
