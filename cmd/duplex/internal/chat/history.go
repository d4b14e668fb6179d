package chat

import (
	"encoding/json"
	"slices"
)

// roomLog is the history of one room: its last messages, bounded both in
// number and in bytes of JSON, so that the join-room acknowledgement that
// replays it is bounded too. Before the byte bound, 50 messages of 2,000
// U+0001 characters made a 592 KiB acknowledgement. The room's lock
// guards it.
type roomLog struct {
	msgs  []logEntry // oldest first
	bytes int
}

type logEntry struct {
	msg  Message
	size int // bytes of the message's JSON
}

// messageSize is what m weighs in a history: the bytes of its JSON, as an
// acknowledgement carries it.
func messageSize(m Message) int {
	return jsonSize(m) + 1 // the comma between messages
}

// jsonSize returns the bytes of v's JSON as the parser writes it: without
// the HTML escapes of json.Marshal (< is one byte, not six).
func jsonSize(v any) int {
	var n countWriter
	enc := json.NewEncoder(&n)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return int(n) - 1 // Encode's newline
}

type countWriter int

func (w *countWriter) Write(p []byte) (int, error) {
	*w += countWriter(len(p))
	return len(p), nil
}

// add records m (of the given size) as the latest message, dropping the
// oldest past maxMsgs messages or maxBytes bytes, and returns how many
// bytes the log grew by (negative when it shrank).
func (l *roomLog) add(m Message, size, maxMsgs, maxBytes int) int {
	before := l.bytes
	l.msgs = append(l.msgs, logEntry{m, size})
	l.bytes += size
	drop := 0
	for len(l.msgs)-drop > maxMsgs || (l.bytes > maxBytes && drop < len(l.msgs)) {
		l.bytes -= l.msgs[drop].size
		drop++
	}
	if drop > 0 {
		l.msgs = slices.Delete(l.msgs, 0, drop)
	}
	return l.bytes - before
}

// get returns the messages, oldest first; never nil, so that it encodes
// as [].
func (l *roomLog) get() []Message {
	out := make([]Message, len(l.msgs))
	for i, e := range l.msgs {
		out[i] = e.msg
	}
	return out
}

// clear forgets the messages and returns the bytes freed.
func (l *roomLog) clear() int {
	freed := l.bytes
	l.msgs, l.bytes = nil, 0
	return freed
}
