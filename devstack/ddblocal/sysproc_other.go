//go:build unix && !linux

package ddblocal

import "syscall"

// sysProcAttr puts java in its own process group so Stop can kill the group.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
