package chat

import (
	"io"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"
)

// Options configure a Chat. Zero values mean the defaults. Every limit here
// is one a hostile user would otherwise use against the others; the
// defaults are far above what a person typing reaches.
type Options struct {
	// MaxNameLength bounds display names, in characters (default 32).
	MaxNameLength int
	// MaxRoomLength bounds room names, in characters (default 32).
	MaxRoomLength int
	// MaxTextLength bounds a message's text, in characters (default 2000).
	MaxTextLength int
	// MaxTextBytes bounds a message's text once JSON-escaped (default
	// 12 KiB: 2,000 characters of 4 bytes fit, and so do 2,000 U+2028,
	// which JSON escapes to 6).
	MaxTextBytes int
	// HistorySize is how many messages of a room are replayed on join
	// (default 50).
	HistorySize int
	// HistoryRoomBytes bounds the history of one room, and so a join-room
	// acknowledgement, in bytes of JSON (default 64 KiB); past it the
	// oldest messages go first.
	HistoryRoomBytes int
	// HistoryBytes bounds the histories of all rooms together (default
	// 16 MiB); past it a quiet room with few members loses its history
	// (see rooms.evict).
	HistoryBytes int
	// MaxRooms bounds the rooms whose history is kept (default 1000).
	MaxRooms int
	// MaxRoomsPerUser bounds the rooms one connection is in (default 100).
	MaxRoomsPerUser int
	// WelcomeRooms bounds the rooms the welcome lists: the most recently
	// active ones (default 50); list-rooms pages through the others.
	WelcomeRooms int
	// ListRoomsPage bounds the rooms one list-rooms answer carries
	// (default 50).
	ListRoomsPage int
	// MessageRate and MessageBurst are each user's token bucket for
	// messages: a burst, then a steady rate per second (defaults 5 per
	// second, burst 20).
	MessageRate  rate.Limit
	MessageBurst int
	// RequestRate and RequestBurst are the bucket of join-room, leave-room
	// and list-rooms (defaults 20 per second, burst 200: a page rejoining
	// MaxRoomsPerUser rooms after a reconnection fits in the burst).
	RequestRate  rate.Limit
	RequestBurst int
	// TypingRate and TypingBurst are the bucket of typing indicators
	// (defaults 2 per second, burst 5); past it they are dropped.
	TypingRate  rate.Limit
	TypingBurst int
	// MaxRefusals is how many requests refused for the rate in a row, one
	// forgiven per second, disconnect a user (default 50): a client that
	// does not slow down when told is abusing the server.
	MaxRefusals int
	// SessionTTL is how long a session (a user's name and rooms, see
	// session) outlives its last connection or room change (default 24
	// hours): a page reloaded or reconnected within it is the same user.
	SessionTTL time.Duration
	// SessionBytes bounds the sessions kept, in bytes (default 16 MiB);
	// past it those used the longest ago go first.
	SessionBytes int
	// Redis, when set, keeps the sessions and the room histories there,
	// under RedisPrefix (default "duplex:chat:"), for every node of a
	// cluster and across restarts; nil keeps them in this process.
	Redis       redis.UniversalClient
	RedisPrefix string
	// Logger hears of what the chat could not store (Redis down); nil
	// discards.
	Logger *slog.Logger
	// Now is the clock of message timestamps (default time.Now).
	Now func() time.Time
}

// Defaults of Options.
const (
	DefaultMaxNameLength    = 32
	DefaultMaxRoomLength    = 32
	DefaultMaxTextLength    = 2000
	DefaultMaxTextBytes     = 12 << 10
	DefaultHistorySize      = 50
	DefaultHistoryRoomBytes = 64 << 10
	DefaultHistoryBytes     = 16 << 20
	DefaultMaxRooms         = 1000
	DefaultMaxRoomsPerUser  = 100
	DefaultWelcomeRooms     = 50
	DefaultListRoomsPage    = 50
	DefaultMessageRate      = 5
	DefaultMessageBurst     = 20
	DefaultRequestRate      = 20
	DefaultRequestBurst     = 200
	DefaultTypingRate       = 2
	DefaultTypingBurst      = 5
	DefaultMaxRefusals      = 50
	DefaultSessionTTL       = 24 * time.Hour
	DefaultSessionBytes     = 16 << 20
	DefaultRedisPrefix      = "duplex:chat:"
)

func (o *Options) withDefaults() Options {
	var c Options
	if o != nil {
		c = *o
	}
	setDefault(&c.MaxNameLength, DefaultMaxNameLength)
	setDefault(&c.MaxRoomLength, DefaultMaxRoomLength)
	setDefault(&c.MaxTextLength, DefaultMaxTextLength)
	setDefault(&c.MaxTextBytes, DefaultMaxTextBytes)
	setDefault(&c.HistorySize, DefaultHistorySize)
	setDefault(&c.HistoryRoomBytes, DefaultHistoryRoomBytes)
	setDefault(&c.HistoryBytes, DefaultHistoryBytes)
	setDefault(&c.MaxRooms, DefaultMaxRooms)
	setDefault(&c.MaxRoomsPerUser, DefaultMaxRoomsPerUser)
	setDefault(&c.WelcomeRooms, DefaultWelcomeRooms)
	setDefault(&c.ListRoomsPage, DefaultListRoomsPage)
	setDefault(&c.MessageBurst, DefaultMessageBurst)
	setDefault(&c.TypingBurst, DefaultTypingBurst)
	setDefault(&c.RequestBurst, DefaultRequestBurst)
	setDefault(&c.MaxRefusals, DefaultMaxRefusals)
	if c.MessageRate <= 0 {
		c.MessageRate = DefaultMessageRate
	}
	if c.RequestRate <= 0 {
		c.RequestRate = DefaultRequestRate
	}
	if c.TypingRate <= 0 {
		c.TypingRate = DefaultTypingRate
	}
	setDefault(&c.SessionBytes, DefaultSessionBytes)
	if c.SessionTTL <= 0 {
		c.SessionTTL = DefaultSessionTTL
	}
	if c.RedisPrefix == "" {
		c.RedisPrefix = DefaultRedisPrefix
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

func setDefault(v *int, def int) {
	if *v <= 0 {
		*v = def
	}
}
