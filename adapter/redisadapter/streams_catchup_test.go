package redisadapter

import "testing"

// TestStreamsOffsetAfter: stream ids compare as numbers, not as strings,
// and a malformed id comes after nothing.
func TestStreamsOffsetAfter(t *testing.T) {
	a := &streamsAdapter{}
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"10-0", "9-5", true}, {"9-10", "9-9", true}, {"9-9", "9-9", false},
		{"9-0", "10-0", false}, {"x", "1-0", false}, {"1-0", "", false}, {"1", "0-0", false},
	} {
		if got := a.OffsetAfter(c.a, c.b); got != c.want {
			t.Errorf("OffsetAfter(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}
