package chat

import "slices"

// history keeps the last messages of each room, for replay on join. It
// bounds both the messages per room and the rooms remembered: past
// maxRooms, the room idle the longest is forgotten. The caller
// synchronizes.
type history struct {
	size     int
	maxRooms int
	rooms    map[string]*roomLog
	clock    uint64 // ticks on every use, to find the idle room
}

// roomLog is a ring of the last size messages of one room.
type roomLog struct {
	msgs []Message
	next int // where the next message goes once msgs is full
	used uint64
}

func newHistory(size, maxRooms int) *history {
	return &history{size: size, maxRooms: maxRooms, rooms: map[string]*roomLog{}}
}

// add records m as the latest message of room.
func (h *history) add(room string, m Message) {
	log := h.rooms[room]
	if log == nil {
		h.evict()
		log = &roomLog{msgs: make([]Message, 0, min(h.size, 8))}
		h.rooms[room] = log
	}
	h.clock++
	log.used = h.clock
	if len(log.msgs) < h.size {
		log.msgs = append(log.msgs, m)
		return
	}
	log.msgs[log.next] = m
	log.next = (log.next + 1) % h.size
}

// get returns the messages of room, oldest first; never nil, so that it
// encodes as [].
func (h *history) get(room string) []Message {
	log := h.rooms[room]
	if log == nil {
		return []Message{}
	}
	h.clock++
	log.used = h.clock
	return slices.Concat(log.msgs[log.next:], log.msgs[:log.next])
}

// names returns the rooms that have a history.
func (h *history) names() []string {
	out := make([]string, 0, len(h.rooms))
	for r := range h.rooms {
		out = append(out, r)
	}
	return out
}

// evict forgets the idlest room when a new one would exceed maxRooms.
func (h *history) evict() {
	if len(h.rooms) < h.maxRooms {
		return
	}
	idle, oldest, found := "", uint64(0), false
	for r, log := range h.rooms {
		if !found || log.used < oldest {
			idle, oldest, found = r, log.used, true
		}
	}
	delete(h.rooms, idle)
}
