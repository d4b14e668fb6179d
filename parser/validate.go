package parser

import (
	"encoding/json"
)

// Bounds on the ack id. socket.io-parser reads the id with Number(), which is
// exact only up to 2^53 (16 digits); a longer id is not one a peer sent on
// purpose, and the bound keeps the value inside uint64.
const (
	maxIDDigits = 16
	maxID       = 9999999999999999
)

// reservedEvents may not be used as event names: they have a meaning to the
// Socket.IO API (connect, disconnect...) or to the Node.js EventEmitter, and
// socket.io-parser rejects them.
var reservedEvents = map[string]bool{
	"connect":        true,
	"connect_error":  true,
	"disconnect":     true,
	"disconnecting":  true,
	"newListener":    true,
	"removeListener": true,
}

// checkData applies the rules of socket.io-parser's isPayloadValid, plus the
// stricter ones of this package: data is required where a conforming peer
// always sends it, and an ack id is allowed only where it means something.
// t is never a binary type here.
func checkData(t Type, data []byte, hasID bool) error {
	if hasID && t != Event && t != Ack {
		return invalidf("ack id on a %v packet", t)
	}
	if t == Ack && !hasID {
		return invalidf("ACK without an ack id")
	}
	if len(data) == 0 {
		if t == Connect || t == Disconnect {
			return nil
		}
		return invalidf("%v without data", t)
	}
	if t == Disconnect {
		return invalidf("DISCONNECT with data")
	}
	if isSpace(data[0]) {
		// JSON allows it, but socket.io-parser reads a space there as a digit
		// of the ack id (Number(" ") is 0): refuse what the two would read
		// differently. JSON.stringify never writes it.
		return invalidf("whitespace before %v data", t)
	}
	if !json.Valid(data) {
		return invalidf("%v data is not valid JSON", t)
	}
	first := data[0]
	switch t {
	case Connect:
		if first != '{' {
			return invalidf("CONNECT data is not an object")
		}
	case ConnectError:
		if first != '{' && first != '"' {
			return invalidf("CONNECT_ERROR data is neither a string nor an object")
		}
	case Ack:
		if first != '[' {
			return invalidf("ACK data is not an array")
		}
	case Event:
		if first != '[' {
			return invalidf("EVENT data is not an array")
		}
		return checkEventName(data)
	}
	return nil
}

// checkEventName checks the first element of the valid JSON array data: a
// string that is not reserved, or a number (socket.io-parser allows numbers,
// and some clients use them as event names).
func checkEventName(data []byte) error {
	i := skipSpace(data, 1) // data[0] is '['

	switch c := data[i]; {
	case c == '"':
		end, escaped := scanString(data, i)
		if !escaped {
			// The common case, without allocating the name.
			if name := data[i+1 : end-1]; reservedEvents[string(name)] {
				return invalidf("reserved event name %q", name)
			}
			return nil
		}
		name, err := jsonString(data, i) // `"connect"` is "connect"
		if err != nil {
			return err
		}
		if reservedEvents[name] {
			return invalidf("reserved event name %q", name)
		}
		return nil
	case c == '-' || isDigit(c):
		return nil
	case c == ']':
		return invalidf("EVENT data is an empty array")
	default:
		return invalidf("event name is neither a string nor a number")
	}
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
