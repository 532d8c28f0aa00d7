//go:build !linux

package main

// stopWithParent has no portable equivalent outside Linux; Ctrl-C and
// SIGTERM to localrun still stop everything.
func stopWithParent() {}
