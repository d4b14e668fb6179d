package chat

// Event names of the chat protocol.
const (
	EventMessage   = "message"   // client -> server
	EventJoinRoom  = "join-room" // client -> server
	EventLeaveRoom = "leave-room"
	EventListRooms = "list-rooms"
	EventTyping    = "typing" // both ways
	EventLogout    = "logout" // client -> server: forget the session

	EventWelcome         = "welcome" // server -> client
	EventUserJoined      = "user-joined"
	EventUserLeft        = "user-left"
	EventReceivedMessage = "received-message"
	EventKicked          = "kicked" // {reason}, just before a disconnection
	EventRoomCreated     = "room-created"
)

// RoomPrefix turns a chat room name into its Socket.IO room name.
const RoomPrefix = "room:"

// UserRoomPrefix turns a user id into the Socket.IO room of that user's
// connections: direct messages go there, whichever node and socket the
// user is on now.
const UserRoomPrefix = "user:"

// User is a connected user: its id (issued with its session, the same
// across its connections) and display name. It is also the socket's Data,
// which other nodes read as the JSON {"id", "name"}.
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
// online (itself included) and which rooms exist: at most
// Options.WelcomeRooms of them, the most recently active, and MoreRooms
// when there are others, which list-rooms finds. Joined are the rooms the
// user is in, those of its session; Token is set when a session starts:
// the secret that brings the user back (see session).
type Welcome struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Token     string   `json:"token,omitempty"`
	Users     []User   `json:"users"`
	Rooms     []string `json:"rooms"`
	Joined    []string `json:"joined"`
	MoreRooms bool     `json:"moreRooms,omitempty"`
}

// RoomCreated tells the others that a room now has members.
type RoomCreated struct {
	Room string `json:"room"`
}

// Typing tells that From is typing, in Room, to the recipient To, or
// publicly when both are empty.
type Typing struct {
	From User   `json:"from"`
	Room string `json:"room,omitempty"`
	To   string `json:"to,omitempty"`
}

// The payloads of the clients. The typed handlers decode them, and
// socketio.DecodeJSON the auth payload, with exact keys, as JavaScript
// reads them: {"text":"hello","TEXT":"evil"} is hello, and an auth
// {"name":"alice","NAME":"admin"} names the user alice. Other keys are
// ignored and a null member is an absent one, as a JavaScript server
// would read them.
type (
	// auth is the connection's auth payload: the token of a session, or
	// a display name to start one (both: the name serves when the token
	// is no longer known).
	auth struct {
		Name  string `json:"name"`
		Token string `json:"token"`
	}
	// messageRequest is the payload of a client's message event.
	messageRequest struct {
		Text string `json:"text"`
		Room string `json:"room"`
		To   string `json:"to"`
	}
	// typingRequest is the payload of a client's typing event.
	typingRequest struct {
		Room string `json:"room"`
		To   string `json:"to"`
	}
	// listRoomsRequest asks for the rooms whose name starts with Prefix,
	// after the room named After (the previous answer's next).
	listRoomsRequest struct {
		Prefix string `json:"prefix"`
		After  string `json:"after"`
	}
)

// kickedEvent tells a client why it is being disconnected.
type kickedEvent struct {
	Reason string `json:"reason"`
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
	// roomsAck answers list-rooms; Next, set when there are more, is the
	// After of the next request.
	roomsAck struct {
		Rooms []string `json:"rooms"`
		Next  string   `json:"next,omitempty"`
	}
	errorAck struct {
		Error string `json:"error"`
	}
	okAck struct{}
)
