//go:build !unix

package main

// openFileLimit is 0: no RLIMIT_NOFILE here.
func openFileLimit() int { return 0 }
