package admin

import "testing"

// Without stats taking them, the aggregated events stay bounded.
func TestEngineStatsBounded(t *testing.T) {
	t.Parallel()
	var e engineStats
	for i := range 3 * maxEventKeys {
		e.SessionClosed("websocket", string(rune('a'+i%26))+string(rune(i)), nil)
	}
	e.MessagesIn(1, 10)
	if n := len(e.events); n != maxEventKeys {
		t.Fatalf("%d event keys, want %d", n, maxEventKeys)
	}
	if got := len(e.take()); got != maxEventKeys || len(e.events) != 0 {
		t.Errorf("take: %d, then %d left", got, len(e.events))
	}
}
