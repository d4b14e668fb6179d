//go:build unix

package main

import (
	"math"
	"syscall"
)

// openFileLimit is the soft RLIMIT_NOFILE, or 0 if unknown.
func openFileLimit() int {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0
	}
	return int(min(rl.Cur, math.MaxInt32))
}
