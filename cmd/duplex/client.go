package main

import (
	"io"

	"github.com/duplexio/duplex/cmd/duplex/internal/cli"
)

// runClient runs `duplex client ARGS...`, the command-line Socket.IO client.
func runClient(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return cli.RunClient(args, stdin, stdout, stderr)
}
