package main

import (
	"errors"
	"flag"
	"math"
	"strconv"
	"time"

	"golang.org/x/time/rate"

	"github.com/duplexio/duplex/cmd/duplex/internal/chat"
)

// chatFlags declares the chat's limits (README.md, "Chat limits") into o,
// with the chat's defaults; each refusal they cause is a clear message to
// the client, and none is within reach of a person typing.
func chatFlags(fs *flag.FlagSet, o *chat.Options) {
	intFlag(fs, &o.MaxRoomsPerUser, "chat-max-rooms-per-user", chat.DefaultMaxRoomsPerUser, "rooms one connection may be in (`N`)")
	intFlag(fs, &o.MaxTextBytes, "chat-max-text-bytes", chat.DefaultMaxTextBytes, "largest message text once JSON-escaped, in `BYTES`")
	rateFlag(fs, &o.MessageRate, "chat-message-rate", chat.DefaultMessageRate, "messages per second a user may send once its burst is spent (`RATE`)")
	intFlag(fs, &o.MessageBurst, "chat-message-burst", chat.DefaultMessageBurst, "messages a user may send at once (`N`)")
	rateFlag(fs, &o.RequestRate, "chat-request-rate", chat.DefaultRequestRate, "join-room, leave-room and list-rooms requests per second once the burst is spent (`RATE`)")
	intFlag(fs, &o.RequestBurst, "chat-request-burst", chat.DefaultRequestBurst, "room requests a user may send at once (`N`)")
	rateFlag(fs, &o.TypingRate, "chat-typing-rate", chat.DefaultTypingRate, "typing indicators per second relayed once the burst is spent (`RATE`)")
	intFlag(fs, &o.TypingBurst, "chat-typing-burst", chat.DefaultTypingBurst, "typing indicators relayed at once (`N`)")
	intFlag(fs, &o.MaxRefusals, "chat-max-refusals", chat.DefaultMaxRefusals, "requests refused for their rate in a row (one forgiven per second) that disconnect a user (`N`)")
	intFlag(fs, &o.HistoryRoomBytes, "chat-history-room-bytes", chat.DefaultHistoryRoomBytes, "history kept per room, and so the largest join-room answer, in `BYTES`")
	intFlag(fs, &o.HistoryBytes, "chat-history-bytes", chat.DefaultHistoryBytes, "history kept for all rooms together, in `BYTES`")
	intFlag(fs, &o.MaxRooms, "chat-history-rooms", chat.DefaultMaxRooms, "rooms whose history is kept (`N`)")
	durationFlag(fs, &o.SessionTTL, "chat-session-ttl", chat.DefaultSessionTTL, "how long a signed-in user's session (name, rooms) outlives its last connection or room change: a page reloaded within it is the same user (`DURATION`)")
	intFlag(fs, &o.SessionBytes, "chat-session-bytes", chat.DefaultSessionBytes, "sessions kept, in `BYTES`; past it the least recently used go")
	intFlag(fs, &o.WelcomeRooms, "chat-welcome-rooms", chat.DefaultWelcomeRooms, "rooms the welcome lists, the most active; list-rooms finds the others (`N`)")
}

// intFlag declares a positive int flag; *p stays 0 (the chat's default,
// def) unless it is given.
func intFlag(fs *flag.FlagSet, p *int, name string, def int, usage string) {
	fs.Var(&intValue{p, def}, name, usage)
}

// rateFlag declares a positive rate flag (events per second), as intFlag.
func rateFlag(fs *flag.FlagSet, p *rate.Limit, name string, def rate.Limit, usage string) {
	fs.Var(&rateValue{p, def}, name, usage)
}

// durationFlag declares a positive duration flag, as intFlag.
func durationFlag(fs *flag.FlagSet, p *time.Duration, name string, def time.Duration, usage string) {
	fs.Var(&durationValue{p, def}, name, usage)
}

type durationValue struct {
	p   *time.Duration
	def time.Duration
}

func (v *durationValue) String() string {
	if v.p == nil || *v.p == 0 {
		return v.def.String()
	}
	return v.p.String()
}

func (v *durationValue) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return errors.New("want a positive duration, such as 12h or 30m")
	}
	*v.p = d
	return nil
}

type intValue struct {
	p   *int
	def int
}

func (v *intValue) String() string {
	if v.p == nil || *v.p == 0 {
		return strconv.Itoa(v.def)
	}
	return strconv.Itoa(*v.p)
}

func (v *intValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return errors.New("want a positive integer")
	}
	*v.p = n
	return nil
}

type rateValue struct {
	p   *rate.Limit
	def rate.Limit
}

func (v *rateValue) String() string {
	if v.p == nil || *v.p == 0 {
		return strconv.FormatFloat(float64(v.def), 'g', -1, 64)
	}
	return strconv.FormatFloat(float64(*v.p), 'g', -1, 64)
}

func (v *rateValue) Set(s string) error {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 || math.IsInf(f, 0) {
		return errors.New("want a positive number")
	}
	*v.p = rate.Limit(f)
	return nil
}
