//go:build !linux

package lambdalocal

import "syscall"

// childProcAttr puts a child in its own process group so it and anything it
// spawns are killed together. (Pdeathsig exists on Linux only.)
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
