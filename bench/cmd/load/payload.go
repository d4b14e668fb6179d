package main

import (
	"bytes"
	"errors"
)

// A payload is a 64-byte ASCII string that carries what a receiver needs to
// check a delivery: the sequence number of its stream, the send time (ns on
// the load tool's monotonic clock) and the room, followed by filler derived
// from the sequence number, so that any corruption is caught:
//
//	ssssssssssssssss tttttttttttttttt rr ffff...  (16+16+2+30 hex/letters)
const payloadLen = 64

var errCorrupt = errors.New("payload corrupt")

func appendPayload(dst []byte, seq uint64, sentNs int64, room int) []byte {
	dst = appendHex(dst, seq, 16)
	dst = appendHex(dst, uint64(sentNs), 16)
	dst = appendHex(dst, uint64(room), 2)
	for i := range uint64(30) {
		dst = append(dst, byte('a'+(seq+i)%26))
	}
	return dst
}

func appendHex(dst []byte, v uint64, width int) []byte {
	const digits = "0123456789abcdef"
	for i := width - 1; i >= 0; i-- {
		dst = append(dst, digits[(v>>(4*uint(i)))&0xf])
	}
	return dst
}

func parseHex(b []byte) (uint64, bool) {
	var v uint64
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | uint64(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | uint64(c-'a'+10)
		default:
			return 0, false
		}
	}
	return v, true
}

// parsePayload checks a payload and returns what it carries.
func parsePayload(p []byte) (seq uint64, sentNs int64, room int, err error) {
	if len(p) != payloadLen {
		return 0, 0, 0, errCorrupt
	}
	seq, ok1 := parseHex(p[:16])
	t, ok2 := parseHex(p[16:32])
	r, ok3 := parseHex(p[32:34])
	if !ok1 || !ok2 || !ok3 {
		return 0, 0, 0, errCorrupt
	}
	for i := range uint64(30) {
		if p[34+i] != byte('a'+(seq+i)%26) {
			return 0, 0, 0, errCorrupt
		}
	}
	return seq, int64(t), int(r), nil
}

// eventArg extracts the single string argument of a Socket.IO event packet
// `2["name","arg"]` (Engine.IO message prefix already removed).
func eventArg(pkt []byte, name string) ([]byte, bool) {
	// 2["  name  ","   arg   "]
	if len(pkt) < len(name)+8 || pkt[0] != '2' || pkt[1] != '[' || pkt[2] != '"' {
		return nil, false
	}
	rest := pkt[3:]
	if !bytes.HasPrefix(rest, []byte(name)) {
		return nil, false
	}
	rest = rest[len(name):]
	if !bytes.HasPrefix(rest, []byte(`","`)) || !bytes.HasSuffix(rest, []byte(`"]`)) {
		return nil, false
	}
	rest = rest[3:]
	end := bytes.IndexByte(rest, '"')
	// The argument, then the end or, with connection state recovery on
	// the server, its offset as a last string argument.
	if tail := rest[end:]; len(tail) != 2 && !bytes.HasPrefix(tail, []byte(`","`)) {
		return nil, false
	}
	return rest[:end], true
}

// ackArg extracts the ack id and the single string argument of an ack packet
// `3<id>["arg"]`.
func ackArg(pkt []byte) (id uint64, arg []byte, ok bool) {
	if len(pkt) < 6 || pkt[0] != '3' {
		return 0, nil, false
	}
	i := 1
	for i < len(pkt) && pkt[i] >= '0' && pkt[i] <= '9' {
		id = id*10 + uint64(pkt[i]-'0')
		i++
	}
	if i == 1 {
		return 0, nil, false
	}
	rest := pkt[i:]
	if !bytes.HasPrefix(rest, []byte(`["`)) || !bytes.HasSuffix(rest, []byte(`"]`)) {
		return 0, nil, false
	}
	return id, rest[2 : len(rest)-2], true
}

// stream checks the deliveries of one ordered stream of sequence numbers to
// one receiver: a sequence number below the next expected one is a
// duplicate, one above it means the ones between were lost.
type stream struct {
	next      uint64
	delivered uint64
	dup       uint64
	lost      uint64
}

func (s *stream) observe(seq uint64) (fresh bool) {
	switch {
	case seq == s.next:
		s.next++
		s.delivered++
		return true
	case seq < s.next:
		s.dup++
		return false
	default:
		s.lost += seq - s.next
		s.next = seq + 1
		s.delivered++
		return true
	}
}

// finish counts as lost what the sender sent but never arrived.
func (s *stream) finish(sent uint64) {
	if sent > s.next {
		s.lost += sent - s.next
		s.next = sent
	}
}
