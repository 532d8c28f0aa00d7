package lambdalocal

import "syscall"

// childProcAttr puts a child in its own process group (so it and anything it
// spawns are killed together) and has the kernel kill it if we die first.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
