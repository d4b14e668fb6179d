package chat

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Refusals sent back to clients, in connect_error messages and {error}
// acknowledgements. The texts are part of the protocol: pages show them.
var (
	errNameRequired   = errors.New("a display name is required")
	errBadName        = errors.New("the display name contains control, invisible or direction-changing characters")
	errNameTaken      = errors.New("this display name, or one that looks like it, is taken: choose another")
	errEmptyText      = errors.New("the message is empty")
	errBadText        = errors.New("the message contains control characters")
	errRoomRequired   = errors.New("a room name is required")
	errBadRoom        = errors.New("a room name has letters, digits, spaces and - _ . only, no space at either end")
	errRoomAndTo      = errors.New("a message goes to a room or to a user, not both")
	errToSelf         = errors.New("you cannot send a direct message to yourself")
	errNoSuchUser     = errors.New("no such user")
	errInvalidPayload = errors.New("invalid payload")
	errMessageRate    = errors.New("you are sending messages too fast: wait a moment")
	errRequestRate    = errors.New("too many room requests: wait a moment")
	errAbuse          = errors.New("disconnected: too many requests refused for their rate")
	errReplaced       = errors.New("you signed in again on another connection, which replaces this one")
)

// checkName validates a display name and returns it normalized (see
// normalizeName).
func (c *Chat) checkName(raw string) (string, error) {
	name, err := normalizeName(raw)
	if err != nil {
		return "", err
	}
	if utf8.RuneCountInString(name) > c.opts.MaxNameLength {
		return "", fmt.Errorf("the display name is longer than %d characters", c.opts.MaxNameLength)
	}
	return name, nil
}

// checkRoom validates a room name. It is not trimmed: the name a client
// joins is the name it sends messages to.
func (c *Chat) checkRoom(room string) error {
	switch {
	case strings.TrimSpace(room) == "":
		return errRoomRequired
	case utf8.RuneCountInString(room) > c.opts.MaxRoomLength:
		return fmt.Errorf("the room name is longer than %d characters", c.opts.MaxRoomLength)
	case !checkRoomChars(room):
		return errBadRoom
	}
	return nil
}

// checkText validates a message's text: its length in characters, and in
// bytes once escaped, which is what every copy of it weighs (2,000 U+0001
// characters were 12,000 bytes, 50 of them a 592 KiB history).
func (c *Chat) checkText(text string) error {
	switch {
	case strings.TrimSpace(text) == "":
		return errEmptyText
	case utf8.RuneCountInString(text) > c.opts.MaxTextLength:
		return fmt.Errorf("the message is longer than %d characters", c.opts.MaxTextLength)
	case strings.IndexFunc(text, isControlText) >= 0:
		return errBadText
	case escapedSize(text) > c.opts.MaxTextBytes:
		return fmt.Errorf("the message is longer than %d bytes once encoded", c.opts.MaxTextBytes)
	}
	return nil
}

// isControlText reports the control characters a message may not hold:
// all but tab and line breaks.
func isControlText(r rune) bool {
	return unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r'
}

// escapedSize returns the bytes of s as a JSON string.
func escapedSize(s string) int { return jsonSize(s) }

func errNotMember(room string) error {
	return fmt.Errorf("you are not in room %q: join it first", room)
}

func errTooManyRooms(limit int) error {
	return fmt.Errorf("you are in %d rooms, the most allowed: leave one first", limit)
}

// cutRoom returns the chat room of a Socket.IO room, and whether it is
// one.
func cutRoom(sioRoom string) (string, bool) { return strings.CutPrefix(sioRoom, RoomPrefix) }
