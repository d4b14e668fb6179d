package socketio_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/internal/testtime"
	"github.com/duplexio/duplex/parser"
	"github.com/duplexio/duplex/parser/msgpackparser"
	"github.com/duplexio/duplex/socketio"
)

// encodeOnceData is what io.Emit("m", encodeOnceArgs...) puts in its packet.
const encodeOnceData = `["m","x",{"a":[1,2.5,null]},{"_placeholder":true,"num":0}]`

var encodeOnceArgs = []any{"x", map[string]any{"a": []any{1, 2.5, nil}}, []byte{1, 2, 3}}

// TestBroadcastEncodedOnceMsgpack: with the msgpack parser, a broadcast is
// encoded once for all its recipients, with connection state recovery (the
// offset goes into the packet before it is encoded) and without: adding
// recipients adds far fewer allocations per recipient than one encoding
// costs. Not parallel: it counts the allocations of the whole process.
func TestBroadcastEncodedOnceMsgpack(t *testing.T) {
	p := &parser.Packet{Type: parser.Event, Namespace: "/", Data: json.RawMessage(encodeOnceData), Attachments: [][]byte{{1, 2, 3}}}
	perEncode := testing.AllocsPerRun(20, func() { _, _ = msgpackparser.Encode(p) })
	for _, recovery := range []bool{false, true} {
		t.Run(fmt.Sprintf("recovery=%v", recovery), func(t *testing.T) {
			const few, many = 1, 33
			a1, aN := emitAllocs(t, recovery, few), emitAllocs(t, recovery, many)
			perRecipient := (aN - a1) / (many - few)
			t.Logf("allocations per emit: %.1f with %d client, %.1f with %d; %.2f per added recipient; one encoding: %.0f",
				a1, few, aN, many, perRecipient, perEncode)
			if perRecipient >= perEncode/2 {
				t.Errorf("%.2f allocations per added recipient, one encoding costs %.0f: encoded per recipient?", perRecipient, perEncode)
			}
		})
	}
}

// emitAllocs returns the allocations of one broadcast to n raw WebSocket
// clients of a msgpack server, averaged over many, each waited for until
// every client has read it.
func emitAllocs(t *testing.T, recovery bool, n int) float64 {
	o := &socketio.Options{Parser: socketio.ParserMsgpack, Engine: engineio.Options{PingInterval: time.Hour, WriteQueueSize: 1 << 20}}
	if recovery {
		o.ConnectionStateRecovery = &socketio.RecoveryOptions{}
	}
	io := socketio.NewServer(o)
	ts := httptest.NewServer(io)
	t.Cleanup(func() { io.Close(); ts.Close() })
	addr := strings.TrimPrefix(ts.URL, "http://")
	cs := make([]*rawClient, n)
	for i := range cs {
		cs[i] = dialRawParser(t, addr, socketio.ParserMsgpack)
	}
	testtime.Until(t, "clients connected", func() bool { return len(io.Sockets().Sockets()) == n })
	seq, want := 0, int64(0)
	emit := func(count int) {
		for range count {
			seq++
			if err := io.Emit("m", encodeOnceArgs...); err != nil {
				t.Fatal(err)
			}
			want += encodeOnceFrame(t, recovery, seq)
			if seq%window == 0 {
				waitDelivered(t, cs, want)
			}
		}
		waitDelivered(t, cs, want)
	}
	emit(50) // warm up buffers and pools
	const count = 300
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	emit(count)
	runtime.ReadMemStats(&after)
	return float64(after.Mallocs-before.Mallocs) / count
}

// encodeOnceFrame is the size of the WebSocket frame of the seq-th
// broadcast: with recovery its offset (seq in base 36, as the in-memory
// adapter numbers them) ends its arguments.
func encodeOnceFrame(t *testing.T, recovery bool, seq int) int64 {
	p := &parser.Packet{Type: parser.Event, Namespace: "/", Data: json.RawMessage(encodeOnceData), Attachments: [][]byte{{1, 2, 3}}}
	if recovery {
		p = adapter.WithOffset(p, strconv.FormatUint(uint64(seq), 36))
	}
	b, err := msgpackparser.Encode(p)
	if err != nil || len(b) >= 126 {
		t.Fatalf("encoded %d bytes, %v: want a short frame", len(b), err)
	}
	return int64(2 + len(b))
}
