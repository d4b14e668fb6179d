//go:build linux

package websocket

import (
	"bytes"
	"fmt"
	"testing"
)

// collect is a Handler recording everything as text, for comparisons.
type collect struct{ log []string }

func (c *collect) OnMessage(data []byte, binary bool) {
	c.log = append(c.log, fmt.Sprintf("m %v %q", binary, data))
}
func (c *collect) OnPing(p []byte)   { c.log = append(c.log, fmt.Sprintf("p %q", p)) }
func (c *collect) OnClose(err error) {}

// feedAll feeds data to a new framer in pieces of the given sizes and
// returns what it delivered and the first error.
func feedAll(data []byte, cuts ...int) ([]string, error) {
	h := &collect{}
	f := &framer{h: h, maxPayload: 100}
	data = bytes.Clone(data)
	for _, n := range cuts {
		n = min(n, len(data))
		if err := f.feed(data[:n]); err != nil {
			return h.log, err
		}
		data = data[n:]
	}
	return h.log, f.feed(data)
}

// FuzzFeed checks that no input panics, and that how the bytes are split
// across reads changes nothing.
func FuzzFeed(f *testing.F) {
	f.Add(frame(text, "hello"), 3, 1)
	f.Add(append(frame(opText, "a"), frame(fin|opContinuation, "b")...), 7, 2)
	f.Add(frame(bin, string(make([]byte, 200))), 100, 50)
	f.Add(frame(closeOp, closePayload(1000, "x")), 2, 2)
	f.Add([]byte{0x81, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}, 1, 1)
	f.Fuzz(func(t *testing.T, data []byte, a, b int) {
		a, b = max(a, 0)%64, max(b, 0)%64
		whole, werr := feedAll(data)
		split, serr := feedAll(data, a, b, 1, 1)
		if fmt.Sprint(werr) != fmt.Sprint(serr) || fmt.Sprint(whole) != fmt.Sprint(split) {
			t.Fatalf("whole: %q %v\nsplit %d,%d: %q %v", whole, werr, a, b, split, serr)
		}
	})
}

func TestUnmask(t *testing.T) {
	key := [4]byte{1, 2, 3, 4}
	for n := range 40 {
		b := bytes.Repeat([]byte{0xAA}, n)
		unmask(b, key)
		for i := range b {
			if b[i] != 0xAA^key[i%4] {
				t.Fatalf("len %d byte %d: %x", n, i, b[i])
			}
		}
	}
}
