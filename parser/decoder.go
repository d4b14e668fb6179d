package parser

import (
	"bytes"
	"fmt"
	"math"
)

// DefaultMaxAttachments is the number of attachments a binary packet may
// announce when Decoder.MaxAttachments is zero; it is socket.io-parser's
// default.
const DefaultMaxAttachments = 10

// Decoder turns engine messages into packets; it holds the state of a binary
// packet waiting for its attachments. Not safe for concurrent use (one per
// connection). The zero value is ready to use.
//
// Decoding follows socket.io-parser's decoder and is stricter where it is
// lax:
//   - the type is one digit '0'..'6'; for the binary types it is followed by
//     an attachment count of at least 1 and at most MaxAttachments, then '-';
//   - a namespace starts with '/' and runs to the next ',' or to the end of
//     the message;
//   - an ack id is at most 16 digits, and only EVENT and ACK carry one; an
//     ACK must;
//   - data must be valid JSON starting right after the header (whitespace
//     there is refused: socket.io-parser would read it as an ack id);
//   - data is an object or nothing for CONNECT, nothing for DISCONNECT, a
//     string or object for CONNECT_ERROR, an array for ACK, and for EVENT a
//     non-empty array whose first element is a number or a string other
//     than the reserved event names;
//   - when a binary packet is complete, every placeholder in its data must
//     name one of its attachments (as JSON.parse would see it: escaped keys
//     decoded, the last of duplicate keys winning), with an integer num.
//
// After an error the Decoder drops any partial packet; the caller is expected
// to close the connection, as a Socket.IO server does.
type Decoder struct {
	// MaxAttachments bounds the attachment count a binary packet may
	// announce, so that a peer cannot make the decoder wait for (and the
	// server buffer) an unbounded number of messages. Zero or less means
	// DefaultMaxAttachments.
	MaxAttachments int

	// MaxPendingBytes bounds the bytes the decoder holds between messages
	// for a binary packet awaiting attachments: its namespace and data and
	// the attachments received before the last. A packet past it is an
	// error. The message that completes a packet is not held, so the last
	// attachment may be of any size (the transport bounds messages).
	// Zero or less means no bound beyond MaxAttachments messages, as in
	// socket.io-parser: a client trusts its server, a server sets it (a
	// client announcing 10 attachments of 1 MB and never sending the last
	// would otherwise hold 10 MB for as long as its connection lasts).
	MaxPendingBytes int

	pending *Packet // binary packet awaiting attachments
	want    int     // number of attachments pending announced
	held    int     // bytes of pending counted against MaxPendingBytes
}

func (d *Decoder) maxAttachments() int {
	if d.MaxAttachments <= 0 {
		return DefaultMaxAttachments
	}
	return d.MaxAttachments
}

// DecodeText decodes a text message. It returns the packet when complete, or
// (nil, nil) for a binary packet that now waits for attachments. A text
// message while attachments are awaited is an error.
//
// The packet does not alias msg. A binary packet is returned with Type Event
// or Ack (see Type).
func (d *Decoder) DecodeText(msg []byte) (*Packet, error) {
	p := new(Packet)
	complete, err := d.DecodeTextTo(p, msg)
	if !complete {
		return nil, err
	}
	return p, nil
}

// DecodeTextTo is DecodeText into *p, which it reports complete or not:
// a caller whose packets do not outlive the call can keep p on its stack,
// an allocation less per message. A binary packet waiting for its
// attachments is copied to the heap; *p is then not complete.
func (d *Decoder) DecodeTextTo(p *Packet, msg []byte) (complete bool, err error) {
	if d.pending != nil {
		n := d.want - len(d.pending.Attachments)
		d.Reset()
		return false, invalidf("text message while %d attachments are awaited", n)
	}
	n, err := decodeText(p, msg, d.maxAttachments())
	if err != nil {
		return false, err
	}
	if n == 0 {
		return true, nil
	}
	held := len(p.Namespace) + len(p.Data)
	if d.MaxPendingBytes > 0 && held > d.MaxPendingBytes {
		return false, pendingTooLarge(d.MaxPendingBytes)
	}
	pending := new(Packet)
	*pending = *p
	// The count is bounded by MaxAttachments, which a server may set high:
	// let append grow the slice as attachments really arrive.
	pending.Attachments = make([][]byte, 0, min(n, DefaultMaxAttachments))
	d.pending, d.want, d.held = pending, n, held
	return false, nil
}

// DecodeBinary adds one attachment (copied: msg is reused by the caller). It
// returns the packet when the last attachment arrived, (nil,nil) while more
// are awaited, an error when no packet awaits attachments.
func (d *Decoder) DecodeBinary(msg []byte) (*Packet, error) {
	p := d.pending
	if p == nil {
		return nil, invalidf("binary message while no packet awaits attachments")
	}
	if last := len(p.Attachments)+1 == d.want; !last {
		if d.MaxPendingBytes > 0 && d.held+len(msg) > d.MaxPendingBytes {
			d.Reset()
			return nil, pendingTooLarge(d.MaxPendingBytes)
		}
		d.held += len(msg)
	}
	p.Attachments = append(p.Attachments, append(make([]byte, 0, len(msg)), msg...))
	if len(p.Attachments) < d.want {
		return nil, nil
	}
	d.pending, d.want, d.held = nil, 0, 0
	if _, err := findPlaceholders(p.Data, len(p.Attachments), nil); err != nil {
		return nil, err
	}
	return p, nil
}

// Reset drops a partially received packet.
func (d *Decoder) Reset() {
	d.pending, d.want, d.held = nil, 0, 0
}

// ErrPendingTooLarge is the error (wrapping ErrInvalidPacket) of a binary
// packet whose attachments take the decoder past MaxPendingBytes: a limit
// rather than a malformed packet, which a server may want to log.
var ErrPendingTooLarge = fmt.Errorf("%w: binary packet over the bytes held for its attachments", ErrInvalidPacket)

func pendingTooLarge(limit int) error {
	return fmt.Errorf("%w (limit %d)", ErrPendingTooLarge, limit)
}

// decodeText decodes the text of a packet, returning the number of
// attachments that must follow it.
func decodeText(p *Packet, msg []byte, maxAttachments int) (int, error) {
	if len(msg) == 0 {
		return 0, invalidf("empty message")
	}
	if c := msg[0]; c < '0' || c > '0'+byte(BinaryAck) {
		return 0, invalidf("unknown packet type %q", c)
	}
	t, i := Type(msg[0]-'0'), 1
	n := 0
	if t == BinaryEvent || t == BinaryAck {
		var err error
		if n, i, err = parseAttachmentCount(msg, i, maxAttachments); err != nil {
			return 0, err
		}
	}
	*p = Packet{Type: t.plain(), Namespace: "/"}
	i = p.parseNamespace(msg, i)
	i, err := p.parseID(msg, i)
	if err != nil {
		return 0, err
	}
	if err := checkData(p.Type, msg[i:], p.HasID); err != nil {
		return 0, err
	}
	if i < len(msg) {
		p.Data = bytes.Clone(msg[i:])
	}
	return n, nil
}

// parseAttachmentCount reads "<count>-" at msg[i].
func parseAttachmentCount(msg []byte, i, limit int) (n, next int, err error) {
	start := i
	for ; i < len(msg) && isDigit(msg[i]); i++ {
		if n <= limit { // past the limit the value no longer matters; stop before it overflows
			n = min(n, (math.MaxInt-9)/10)*10 + int(msg[i]-'0')
		}
	}
	if i == start {
		return 0, 0, invalidf("missing attachment count")
	}
	if i == len(msg) || msg[i] != '-' {
		return 0, 0, invalidf("missing '-' after attachment count")
	}
	if n < 1 {
		return 0, 0, invalidf("attachment count 0")
	}
	if n > limit {
		return 0, 0, invalidf("more than %d attachments", limit)
	}
	return n, i + 1, nil
}

// parseNamespace reads the namespace at msg[i], if there is one, and its
// terminating comma.
func (p *Packet) parseNamespace(msg []byte, i int) int {
	if i == len(msg) || msg[i] != '/' {
		return i
	}
	end := bytes.IndexByte(msg[i:], ',')
	next := i + end + 1
	if end < 0 {
		end, next = len(msg)-i, len(msg)
	}
	if nsp := msg[i : i+end]; string(nsp) != "/" {
		p.Namespace = string(nsp)
	}
	return next
}

// parseID reads the ack id at msg[i], if there is one.
func (p *Packet) parseID(msg []byte, i int) (int, error) {
	start := i
	for i < len(msg) && isDigit(msg[i]) {
		i++
	}
	if i == start {
		return i, nil
	}
	if i-start > maxIDDigits {
		return 0, invalidf("ack id longer than %d digits", maxIDDigits)
	}
	var id uint64 // 16 digits cannot overflow
	for _, c := range msg[start:i] {
		id = id*10 + uint64(c-'0')
	}
	p.ID, p.HasID = id, true
	return i, nil
}
