package chat

import (
	"context"
	"slices"
	"time"

	"github.com/duplexio/duplex/socketio"
)

// fetchTimeout bounds a cluster-wide look-up (the welcome's user list, the
// recipient of a direct message). The adapter's own request timeout
// usually ends it first; on a timeout the answers received are used.
const fetchTimeout = 5 * time.Second

// remoteTTL is how long a user of another node, once seen, counts as
// known for typing indicators; maxRemote bounds how many are remembered.
const (
	remoteTTL = 10 * time.Minute
	maxRemote = 10_000
)

// remoteUsers remembers the users of other nodes seen lately (in a
// welcome's list, or as the recipient of a direct message), so that a
// typing indicator to an id nobody knows is dropped without asking the
// cluster: before, each one cost 3-4 Redis commands. c.mu guards it.
type remoteUsers struct {
	seen map[string]int64 // id -> when seen, Unix nanoseconds
}

// add records ids as seen at now; past maxRemote the memory starts over
// (the ids come back with the next welcome or message).
func (r *remoteUsers) add(now int64, ids ...string) {
	for _, id := range ids {
		if len(r.seen) >= maxRemote {
			clear(r.seen)
		}
		r.seen[id] = now
	}
}

// known reports whether id was seen less than remoteTTL before now.
func (r *remoteUsers) known(now int64, id string) bool {
	t, ok := r.seen[id]
	return ok && now-t < int64(remoteTTL)
}

// fetchRemoteUsers returns the users connected to the other nodes of a
// cluster, and the chat rooms their sockets are in. On a single node (the
// in-memory adapter) it finds none. Sockets of this node are left out:
// the caller takes them from c.users, under c.mu, which keeps a node's own
// arrivals and departures in order with its welcomes.
func (c *Chat) fetchRemoteUsers() ([]User, []string) {
	ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
	defer cancel()
	// On an error (a node that did not answer in time) the sockets of the
	// nodes that did are still returned, and still worth listing.
	sockets, _ := c.ns.FetchSockets(ctx)
	var users []User
	var rooms []string
	for _, r := range sockets {
		if _, remote := r.Data.(map[string]any); !remote {
			continue // this node's: its Data is a Go value
		}
		u, ok := userOf(r)
		if !ok {
			continue
		}
		users = append(users, u)
		for _, room := range r.Rooms {
			if len(rooms) >= c.opts.WelcomeRooms {
				break // the welcome lists no more
			}
			if name, ok := cutRoom(room); ok {
				rooms = append(rooms, name)
			}
		}
	}
	return users, rooms
}

// isUser reports whether id is the id of a user connected to any node: a
// socket is in its user room. A local user is found without asking the
// cluster.
func (c *Chat) isUser(id string) bool {
	if c.localUser(id) != nil {
		return true
	}
	ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
	defer cancel()
	sockets, _ := c.ns.In(UserRoomPrefix + id).FetchSockets(ctx)
	if len(sockets) == 0 {
		return false
	}
	c.mu.Lock()
	c.remote.add(c.opts.Now().UnixNano(), id)
	c.mu.Unlock()
	return true
}

// localUser returns the user of this node whose id is id, or nil.
func (c *Chat) localUser(id string) *member {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.users[id]
}

// knownUser reports, without asking the cluster, whether id is a user of
// this node or one of another node seen lately.
func (c *Chat) knownUser(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, local := c.users[id]
	return local || c.remote.known(c.opts.Now().UnixNano(), id)
}

// userOf returns the User of a socket of another node: its Data is the
// JSON object {"id", "name"} decoded into a map[string]any, and the
// socket is in the room UserRoomPrefix+id (README.md, "Chat protocol",
// says what a peer server must set). A socket with no valid User (not a
// chat user) gives false.
func userOf(r *socketio.RemoteSocket) (User, bool) {
	d, _ := r.Data.(map[string]any)
	id, _ := d["id"].(string)
	name, _ := d["name"].(string)
	if id == "" || name == "" || !slices.Contains(r.Rooms, UserRoomPrefix+id) {
		return User{}, false
	}
	return User{ID: id, Name: name}, true
}
