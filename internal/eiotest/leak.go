package eiotest

import (
	"testing"

	"go.uber.org/goleak"
)

// CheckLeaks runs the tests of a package and fails it when goroutines
// outlive them: call it from TestMain. Servers must be shut down
// (engineio.Server.Shutdown waits for its goroutines) and Conns closed by
// then, which t.Cleanup does.
func CheckLeaks(m *testing.M) { goleak.VerifyTestMain(m) }

// VerifyNone fails t when goroutines other than the caller's are running.
// Do not use it in parallel tests.
func VerifyNone(t testing.TB) {
	t.Helper()
	goleak.VerifyNone(t)
}
