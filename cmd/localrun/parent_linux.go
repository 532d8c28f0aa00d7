//go:build linux

package main

import (
	"os"
	"syscall"
)

// stopWithParent asks the kernel for SIGTERM when the process that started
// localrun (make, a shell) dies, so killing `make run` itself never orphans
// the stack: the SIGTERM runs the same orderly stop as Ctrl-C.
func stopWithParent() {
	parent := os.Getppid()
	_, _, _ = syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM), 0)
	if os.Getppid() != parent { // the parent died before the request took effect
		_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
	}
}
