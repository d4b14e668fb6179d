//go:build duplex_cli

package main

import "github.com/duplexio/duplex/internal/cli"

// The client CLI is wired in once package internal/cli exists; until then
// this file is built only with -tags duplex_cli.
func init() { clientMain = cli.RunClient }
