package main

import (
	"fmt"
	"io"
)

// clientMain is the command-line client's entry point, set by client_cli.go
// when it is built (package internal/cli).
var clientMain func(args []string, stdin io.Reader, stdout, stderr io.Writer) int

// runClient runs `duplex client ARGS...`.
func runClient(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if clientMain == nil {
		fmt.Fprintln(stderr, "duplex client: not available yet")
		return 2
	}
	return clientMain(args, stdin, stdout, stderr)
}
