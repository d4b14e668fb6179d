package chat

import (
	"crypto/rand"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/duplexio/duplex/socketio"
)

// Chat is the chat service of one namespace: its users and room histories,
// kept in memory.
type Chat struct {
	opts     Options
	ns       *socketio.Namespace
	rooms    *rooms       // their own locks: see rooms
	sessions sessionStore // safe for concurrent use

	// mu serializes the membership changes (a user arriving or leaving,
	// and the events telling the others) with the snapshots that welcome
	// sends: whoever connects second sees the first in its welcome, or
	// hears of it after the welcome, never neither. Nothing under it
	// depends on rooms; messages and joins do not take it.
	mu     sync.Mutex
	users  map[string]*member // by user id: one connection per user
	names  map[string]string  // nameKeys -> socket id: one user per name
	remote remoteUsers
}

// Register installs the chat on ns: a middleware checking the display name
// and the handlers of the protocol's events.
func Register(ns *socketio.Namespace, opts *Options) *Chat {
	o := opts.withDefaults()
	c := &Chat{
		opts: o, ns: ns,
		users: map[string]*member{}, names: map[string]string{},
		remote: remoteUsers{seen: map[string]int64{}},
	}
	if o.Redis != nil {
		brk := &breaker{}
		c.rooms = newRooms(&c.opts, &redisHistory{brk: brk, rdb: o.Redis, prefix: o.RedisPrefix, opts: &c.opts})
		c.sessions = &redisSessions{brk: brk, rdb: o.Redis, prefix: o.RedisPrefix, ttl: o.SessionTTL, maxBytes: o.SessionBytes, now: o.Now}
	} else {
		c.rooms = newRooms(&c.opts, nil)
		c.sessions = newMemorySessions(o.SessionTTL, o.SessionBytes, o.Now)
	}
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

// welcomeUsers returns the online users sorted by name: this node's, and
// those of the other nodes as remoteUsers found them. The caller holds
// c.mu.
func (c *Chat) welcomeUsers(remote []User) []User {
	all := make(map[string]User, len(c.users)+len(remote))
	for id, m := range c.users {
		all[id] = m.User
	}
	for _, u := range remote {
		if _, ok := all[u.ID]; !ok {
			all[u.ID] = u
		}
	}
	return slices.SortedFunc(maps.Values(all), func(a, b User) int {
		return strings.Compare(a.Name+"\x00"+a.ID, b.Name+"\x00"+b.ID)
	})
}

// welcomeRooms returns at most WelcomeRooms rooms, sorted: this node's
// most recently active, then those of the other nodes, and whether some
// were left out. Before the bound, a user in 200,000 rooms made every
// welcome 3-6 MiB.
func (c *Chat) welcomeRooms(remote []string) ([]string, bool) {
	n := c.opts.WelcomeRooms
	local, more := c.rooms.recent(n)
	set := make(map[string]bool, n)
	for _, r := range local {
		set[r] = true
	}
	for _, r := range remote {
		if len(set) >= n {
			more = more || !set[r]
			continue
		}
		set[r] = true
	}
	// Never nil, so that an empty list encodes as [] rather than null.
	names := slices.AppendSeq(make([]string, 0, len(set)), maps.Keys(set))
	slices.Sort(names)
	return names, more
}

// newMessageID returns a message id unique across nodes: 60 random bits.
func newMessageID() string { return rand.Text()[:12] }
