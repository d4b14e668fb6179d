package testtime

import (
	"testing"
	"time"
)

// Until polls cond every 5 ms until it holds, failing tb after Wait.
func Until(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(Wait)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Eventually retries f every 50 ms until it returns nil, failing tb with
// f's last error after Wait.
func Eventually(tb testing.TB, what string, f func() error) {
	tb.Helper()
	deadline := time.Now().Add(Wait)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s: %v", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
