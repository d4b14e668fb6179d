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
	errBadName        = errors.New("the display name contains control characters")
	errEmptyText      = errors.New("the message is empty")
	errRoomRequired   = errors.New("a room name is required")
	errBadRoom        = errors.New("the room name contains control characters")
	errRoomAndTo      = errors.New("a message goes to a room or to a user, not both")
	errToSelf         = errors.New("you cannot send a direct message to yourself")
	errNoSuchUser     = errors.New("no such user")
	errInvalidPayload = errors.New("invalid payload")
)

// checkName validates a display name; surrounding spaces are not part of
// it.
func (c *Chat) checkName(raw string) (string, error) {
	name := strings.TrimSpace(raw)
	switch {
	case name == "":
		return "", errNameRequired
	case utf8.RuneCountInString(name) > c.opts.MaxNameLength:
		return "", fmt.Errorf("the display name is longer than %d characters", c.opts.MaxNameLength)
	case hasControl(name):
		return "", errBadName
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
	case hasControl(room):
		return errBadRoom
	}
	return nil
}

// checkText validates a message's text.
func (c *Chat) checkText(text string) error {
	switch {
	case strings.TrimSpace(text) == "":
		return errEmptyText
	case utf8.RuneCountInString(text) > c.opts.MaxTextLength:
		return fmt.Errorf("the message is longer than %d characters", c.opts.MaxTextLength)
	}
	return nil
}

func hasControl(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) >= 0
}

func errNotMember(room string) error {
	return fmt.Errorf("you are not in room %q: join it first", room)
}
