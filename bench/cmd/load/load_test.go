package main

import (
	"testing"
	"time"
)

func TestPayloadRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		seq  uint64
		ns   int64
		room int
	}{{0, 0, 0}, {1, 123456789, 9}, {1<<63 + 5, 1<<62 - 1, 255}} {
		p := appendPayload(nil, tc.seq, tc.ns, tc.room)
		if len(p) != payloadLen {
			t.Fatalf("len %d, want %d", len(p), payloadLen)
		}
		seq, ns, room, err := parsePayload(p)
		if err != nil || seq != tc.seq || ns != tc.ns || room != tc.room {
			t.Errorf("parsePayload(%q) = %d, %d, %d, %v; want %d, %d, %d", p, seq, ns, room, err, tc.seq, tc.ns, tc.room)
		}
	}
}

func TestPayloadCorruption(t *testing.T) {
	t.Parallel()
	good := appendPayload(nil, 42, 1000, 3)
	for i := range good {
		bad := append([]byte(nil), good...)
		bad[i] ^= 0x01
		if _, _, _, err := parsePayload(bad); err == nil {
			// A flipped hex digit may still be a valid digit: only the
			// filler, derived from the sequence number, must catch it then.
			seq, ns, room, _ := parsePayload(bad)
			if seq == 42 && ns == 1000 && room == 3 {
				t.Errorf("byte %d flipped: corruption not detected", i)
			}
		}
	}
	if _, _, _, err := parsePayload(good[:63]); err == nil {
		t.Error("short payload accepted")
	}
}

func TestEventAndAckFrames(t *testing.T) {
	t.Parallel()
	if got, want := string(appendEvent(nil, 0, "room", []byte("r1"), []byte("p"))), `42["room","r1","p"]`; got != want {
		t.Errorf("appendEvent = %s, want %s", got, want)
	}
	if got, want := string(appendEvent(nil, 17, "echo", []byte("p"))), `4217["echo","p"]`; got != want {
		t.Errorf("appendEvent = %s, want %s", got, want)
	}
	if arg, ok := eventArg([]byte(`2["broadcast","xyz"]`), "broadcast"); !ok || string(arg) != "xyz" {
		t.Errorf("eventArg = %q, %v", arg, ok)
	}
	for _, bad := range []string{`2["room","xyz"]`, `2["broadcast",1]`, `3["broadcast","x"]`, `2["broadcast","x","y"`} {
		if _, ok := eventArg([]byte(bad), "broadcast"); ok {
			t.Errorf("eventArg(%s) accepted", bad)
		}
	}
	if id, arg, ok := ackArg([]byte(`3123["abc"]`)); !ok || id != 123 || string(arg) != "abc" {
		t.Errorf("ackArg = %d, %q, %v", id, arg, ok)
	}
	if _, _, ok := ackArg([]byte(`3["abc"]`)); ok {
		t.Error("ackArg accepted an ack without id")
	}
}

func TestStream(t *testing.T) {
	t.Parallel()
	var s stream
	for _, seq := range []uint64{0, 1, 1, 3, 2, 4} {
		s.observe(seq)
	}
	s.finish(7)
	// 1 and 2 arrive twice (2 after 3 counts as a duplicate: it came late),
	// 2 counts as lost when 3 arrived, and 5, 6 never arrive.
	if s.delivered != 4 || s.dup != 2 || s.lost != 3 {
		t.Errorf("delivered %d dup %d lost %d, want 4, 2, 3", s.delivered, s.dup, s.lost)
	}
}

func TestHistogramQuantiles(t *testing.T) {
	t.Parallel()
	var h histogram
	for i := 1; i <= 1000; i++ {
		h.record(time.Duration(i) * time.Microsecond)
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Microsecond}, {0.99, 990 * time.Microsecond}, {1, 1000 * time.Microsecond}} {
		got := h.quantile(tc.q)
		if d := float64(got-tc.want) / float64(tc.want); d < -0.04 || d > 0.04 {
			t.Errorf("quantile(%v) = %v, want %v ±4%%", tc.q, got, tc.want)
		}
	}
	var o histogram
	o.record(time.Second)
	h.merge(&o)
	if h.n != 1001 || h.quantile(1) != time.Second {
		t.Errorf("after merge: n %d, max %v", h.n, h.quantile(1))
	}
	var empty histogram
	if empty.quantile(0.5) != 0 {
		t.Error("empty histogram quantile not 0")
	}
}

func TestBucketsMonotonic(t *testing.T) {
	t.Parallel()
	prev := -1
	for ns := int64(0); ns < 1<<40; ns = ns*9/8 + 1 {
		b := bucketOf(ns)
		if b < prev {
			t.Fatalf("bucketOf(%d) = %d < %d", ns, b, prev)
		}
		if v := bucketValue(b); float64(v) < float64(ns)*0.96 || float64(v) > float64(ns)*1.04+1 {
			t.Fatalf("bucketValue(bucketOf(%d)) = %d", ns, v)
		}
		prev = b
	}
}
