package socketio

import (
	"fmt"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/parser"
	"github.com/duplexio/duplex/parser/msgpackparser"
)

// Parser selects how packets are written on the wire, as the parser option
// of Node's server does. Every client of a server must use the same.
type Parser int

const (
	// ParserJSON is socket.io-parser's encoding, the default: a text
	// message per packet, binaries as attachments in messages of their
	// own.
	ParserJSON Parser = iota
	// ParserMsgpack is socket.io-msgpack-parser's encoding: one binary
	// MessagePack message per packet, binaries inline (see package
	// msgpackparser). The client must be created with
	// parser: require("socket.io-msgpack-parser").
	ParserMsgpack
)

// String returns the name used by the duplex command's --parser flag.
func (p Parser) String() string {
	switch p {
	case ParserJSON:
		return "json"
	case ParserMsgpack:
		return "msgpack"
	}
	return fmt.Sprintf("Parser(%d)", int(p))
}

// ParseParser returns the Parser named "json" or "msgpack".
func ParseParser(name string) (Parser, error) {
	switch name {
	case "json", "":
		return ParserJSON, nil
	case "msgpack":
		return ParserMsgpack, nil
	}
	return 0, fmt.Errorf("socketio: unknown parser %q (want json or msgpack)", name)
}

// MarshalText implements encoding.TextMarshaler, as String.
func (p Parser) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler, as ParseParser, so
// that a Parser can be a flag (flag.TextVar).
func (p *Parser) UnmarshalText(text []byte) error {
	v, err := ParseParser(string(text))
	if err == nil {
		*p = v
	}
	return err
}

var errTextMessage = fmt.Errorf("%w: text message with the msgpack parser", parser.ErrInvalidPacket)

// encode turns a packet into its engine messages in the server's format:
// for JSON the text part then one binary message per attachment. A
// broadcast calls it once for all its recipients. A packet the msgpack
// encoder cannot write (its data is not valid JSON, which no packet built
// by this package holds) is logged and dropped: nil.
func (srv *Server) encode(p *parser.Packet) []engineio.Message {
	if srv.opts.Parser != ParserMsgpack {
		return messages(textOf(p), p.Attachments)
	}
	b, err := msgpackparser.Encode(p)
	if err != nil {
		srv.opts.Logger.Error("socketio: cannot encode packet", "nsp", p.Namespace, "err", err)
		return nil
	}
	return []engineio.Message{{Data: b, Binary: true}}
}

// decodeMsgpack decodes one engine message with the msgpack parser, which
// has only binary messages.
func decodeMsgpack(data []byte, binary bool) (*parser.Packet, error) {
	if !binary {
		return nil, errTextMessage
	}
	return msgpackparser.Decode(data)
}
