// Package testtime holds how long the repository's tests wait, once, so that
// every package's tests agree on what "too slow" means.
package testtime

import "time"

const (
	// Wait bounds how long a test waits for something that should happen:
	// generous, because the tests run under -race with t.Parallel on a
	// loaded 2-core machine, and a passing test never waits that long.
	Wait = 10 * time.Second

	// Quiet is how long a test listens to check that something does NOT
	// arrive: long enough for a message in flight on a loaded machine to
	// show up, short enough to run many times per package.
	Quiet = 300 * time.Millisecond
)
