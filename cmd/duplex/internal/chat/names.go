package chat

import (
	"strings"
	"unicode"

	"github.com/mtibben/confusables"
	"golang.org/x/text/secure/precis"
)

// normalizeName returns the display name as shown: the PRECIS Nickname
// profile (RFC 8266) maps it to NFKC, trims and collapses spaces, and
// refuses what a name must not hold: control characters, and the
// default-ignorable ones (a zero-width space, U+202E and the other
// direction overrides) that let two names look alike or a name reverse
// the text around it.
func normalizeName(raw string) (string, error) {
	name, err := precis.Nickname.String(raw)
	if err != nil || name == "" {
		if strings.TrimSpace(raw) == "" {
			return "", errNameRequired
		}
		return "", errBadName
	}
	if strings.IndexFunc(name, isHidden) >= 0 {
		return "", errBadName
	}
	return name, nil
}

// isHidden reports the characters that PRECIS lets through but that show
// as nothing or change the text's direction.
func isHidden(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Bidi_Control, r)
}

// nameKeys returns what a name shares with those that look like it: the
// UTS #39 skeleton of the lower-cased name ("Ada", "ADA" and "Аda" with a
// Cyrillic А), and the skeleton of the lower-cased skeleton, which also
// catches a capital I for an l ("aIice" and "alice"). Two names look
// alike when they share a key; one connected user has each.
func nameKeys(name string) []string {
	a := confusables.Skeleton(strings.ToLower(name))
	b := confusables.Skeleton(strings.ToLower(confusables.Skeleton(name)))
	if a == b {
		return []string{a}
	}
	return []string{a, b}
}

// checkRoomChars reports whether a room name uses only letters, digits,
// combining marks, spaces and - _ . ' ' inside, no character that hides or
// reverses text, and no leading or trailing space: a name people can read
// and type.
func checkRoomChars(room string) bool {
	if strings.TrimSpace(room) != room {
		return false
	}
	for _, r := range room {
		switch {
		case unicode.IsLetter(r), unicode.IsDigit(r), unicode.IsMark(r):
		case r == ' ', r == '-', r == '_', r == '.':
		default:
			return false
		}
	}
	return true
}
