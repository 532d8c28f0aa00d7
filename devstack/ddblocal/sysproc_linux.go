package ddblocal

import "syscall"

// sysProcAttr puts java in its own process group (Stop kills the group) and
// has the kernel kill it when the starting thread, hence the test binary,
// dies.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
