package testservice

import "syscall"

// procAttr puts the server in its own process group (a Ctrl-C on the test
// reaches the test binary, whose cleanup stops the server, not the server
// halfway) and has the kernel kill it if the test binary dies without
// cleaning up (a -timeout panic, a crash): no broker outlives its test.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
