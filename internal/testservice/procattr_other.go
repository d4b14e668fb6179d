//go:build !linux

package testservice

import "syscall"

// procAttr puts the server in its own process group: a Ctrl-C on the test
// reaches the test binary, whose cleanup stops the server.
func procAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
