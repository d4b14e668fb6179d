package chat

import (
	"crypto/rand"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/duplexio/duplex/socketio"
)

// Options configure a Chat. Zero values mean the defaults.
type Options struct {
	// MaxNameLength bounds display names, in characters (default 32).
	MaxNameLength int
	// MaxRoomLength bounds room names, in characters (default 32).
	MaxRoomLength int
	// MaxTextLength bounds a message's text, in characters (default 2000).
	MaxTextLength int
	// HistorySize is how many messages of a room are replayed on join
	// (default 50).
	HistorySize int
	// MaxRooms bounds the rooms whose history is kept (default 1000); past
	// it the room idle the longest loses its history.
	MaxRooms int
	// Now is the clock of message timestamps (default time.Now).
	Now func() time.Time
}

// Defaults of Options.
const (
	DefaultMaxNameLength = 32
	DefaultMaxRoomLength = 32
	DefaultMaxTextLength = 2000
	DefaultHistorySize   = 50
	DefaultMaxRooms      = 1000
)

func (o *Options) withDefaults() Options {
	var c Options
	if o != nil {
		c = *o
	}
	setDefault(&c.MaxNameLength, DefaultMaxNameLength)
	setDefault(&c.MaxRoomLength, DefaultMaxRoomLength)
	setDefault(&c.MaxTextLength, DefaultMaxTextLength)
	setDefault(&c.HistorySize, DefaultHistorySize)
	setDefault(&c.MaxRooms, DefaultMaxRooms)
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

// Chat is the chat service of one namespace: its users and room histories,
// kept in memory.
type Chat struct {
	opts Options
	ns   *socketio.Namespace

	// mu serializes the membership changes (a user arriving or leaving,
	// and the events telling the others) with the snapshots that welcome
	// sends: whoever connects second sees the first in its welcome, or
	// hears of it after the welcome, never neither. It also guards the
	// histories, whose appends must follow the delivery order.
	mu      sync.Mutex
	users   map[string]User // by socket id
	history *history
}

// Register installs the chat on ns: a middleware checking the display name
// and the handlers of the protocol's events.
func Register(ns *socketio.Namespace, opts *Options) *Chat {
	o := opts.withDefaults()
	c := &Chat{opts: o, ns: ns, users: map[string]User{}, history: newHistory(o.HistorySize, o.MaxRooms)}
	ns.Use(c.authenticate)
	ns.OnConnection(c.onConnection)
	return c
}

// Users returns the number of users connected to this node (not the
// cluster's: the welcome's list is the one that spans the nodes).
func (c *Chat) Users() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.users)
}

// snapshot returns the online users sorted by name, and the rooms that
// have members or a history, sorted: this node's users and rooms, and
// those of the other nodes of a cluster, remoteUsers and remoteRooms as
// remoteUsers found them. The caller holds c.mu.
func (c *Chat) snapshot(remoteUsers []User, remoteRooms []string) ([]User, []string) {
	all := maps.Clone(c.users)
	for _, u := range remoteUsers {
		if _, ok := all[u.ID]; !ok {
			all[u.ID] = u
		}
	}
	users := slices.SortedFunc(maps.Values(all), func(a, b User) int {
		return strings.Compare(a.Name+"\x00"+a.ID, b.Name+"\x00"+b.ID)
	})
	rooms := map[string]bool{}
	for _, r := range remoteRooms {
		rooms[r] = true
	}
	for _, r := range c.history.names() {
		rooms[r] = true
	}
	for _, r := range c.ns.Adapter().Rooms() {
		if name, ok := strings.CutPrefix(r, RoomPrefix); ok {
			rooms[name] = true
		}
	}
	// Never nil, so that an empty list encodes as [] rather than null.
	names := slices.AppendSeq(make([]string, 0, len(rooms)), maps.Keys(rooms))
	slices.Sort(names)
	return users, names
}

// newMessageID returns a message id unique across nodes: 60 random bits.
func newMessageID() string { return rand.Text()[:12] }
