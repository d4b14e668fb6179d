package packet

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// Stream framing, for transports that carry packets over one byte stream
// (WebTransport's bidirectional stream), as engine.io-parser's
// createPacketEncoderStream and createPacketDecoderStream do it.
//
// Each packet is a header and a payload. The header's first byte holds a
// binary flag (0x80) and a 7-bit length: below 126 it is the payload's
// length; 126 means a 16-bit big-endian length follows, 127 a 64-bit one,
// as in a WebSocket frame header. A binary payload is the data of a binary
// Message packet; a text payload is the packet's type digit and its UTF-8
// data, as in a WebSocket text frame.
//
// engine.io-parser refuses an empty payload (length 0) and one larger than
// its maxPayload; so does StreamReader.

// ErrFrameTooLarge is wrapped by StreamReader.Next for a payload larger than
// its limit.
var ErrFrameTooLarge = fmt.Errorf("%w: payload too large", ErrInvalidPacket)

// AppendStreamFrame appends the stream frame of p: its header and payload.
func AppendStreamFrame(dst []byte, p Packet) []byte {
	n := len(p.Data)
	if !p.Binary {
		n++ // the type digit
	}
	dst = appendStreamHeader(dst, n, p.Binary)
	if !p.Binary {
		dst = append(dst, '0'+byte(p.Type))
	}
	return append(dst, p.Data...)
}

func appendStreamHeader(dst []byte, n int, binaryData bool) []byte {
	var flag byte
	if binaryData {
		flag = 0x80
	}
	switch {
	case n < 126:
		return append(dst, flag|byte(n))
	case n < 1<<16:
		dst = append(dst, flag|126)
		return binary.BigEndian.AppendUint16(dst, uint16(n))
	default:
		dst = append(dst, flag|127)
		return binary.BigEndian.AppendUint64(dst, uint64(n))
	}
}

// StreamReader decodes the packets of a framed byte stream, one at a time.
type StreamReader struct {
	r   *bufio.Reader
	max int64
	buf []byte
}

// reuseMax is the largest payload buffer a StreamReader keeps between
// packets; a larger payload gets a buffer of its own, dropped after it.
const reuseMax = 64 << 10

// NewStreamReader returns a reader of r's frames that refuses payloads
// larger than maxPayload bytes.
func NewStreamReader(r io.Reader, maxPayload int64) *StreamReader {
	return &StreamReader{r: bufio.NewReaderSize(r, 4096), max: maxPayload}
}

// Next reads the next packet. Its Data is valid until the next call. At
// the end of the stream it returns io.EOF (io.ErrUnexpectedEOF inside a
// frame); a malformed frame gives an error wrapping ErrInvalidPacket.
func (sr *StreamReader) Next() (Packet, error) {
	n, binaryData, err := sr.readHeader()
	if err != nil {
		return Packet{}, err
	}
	payload, err := sr.readPayload(n)
	if err != nil {
		return Packet{}, err
	}
	if binaryData {
		return Packet{Type: Message, Data: payload, Binary: true}, nil
	}
	if !utf8.Valid(payload) {
		return Packet{}, fmt.Errorf("%w: text packet is not UTF-8", ErrInvalidPacket)
	}
	return Decode(payload, false)
}

func (sr *StreamReader) readHeader() (int64, bool, error) {
	b, err := sr.r.ReadByte()
	if err != nil {
		return 0, false, err // io.EOF between frames is the stream's end
	}
	binaryData, n := b&0x80 != 0, uint64(b&0x7f)
	var ext [8]byte
	switch n {
	case 126:
		if _, err := io.ReadFull(sr.r, ext[:2]); err != nil {
			return 0, false, noEOF(err)
		}
		n = uint64(binary.BigEndian.Uint16(ext[:2]))
	case 127:
		if _, err := io.ReadFull(sr.r, ext[:]); err != nil {
			return 0, false, noEOF(err)
		}
		n = binary.BigEndian.Uint64(ext[:])
	}
	switch {
	case n == 0:
		return 0, false, fmt.Errorf("%w: empty packet", ErrInvalidPacket)
	case n > uint64(sr.max):
		return 0, false, fmt.Errorf("%w: %d bytes, limit %d", ErrFrameTooLarge, n, sr.max)
	}
	return int64(n), binaryData, nil
}

func (sr *StreamReader) readPayload(n int64) ([]byte, error) {
	var payload []byte
	if n <= reuseMax {
		if int64(cap(sr.buf)) < n {
			sr.buf = make([]byte, n) // grows with the largest packet so far
		}
		payload = sr.buf[:n]
	} else {
		payload = make([]byte, n)
	}
	if _, err := io.ReadFull(sr.r, payload); err != nil {
		return nil, noEOF(err)
	}
	return payload, nil
}

// noEOF turns the end of the stream inside a frame into ErrUnexpectedEOF.
func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
