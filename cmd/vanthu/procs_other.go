//go:build !linux

package main

import "errors"

// lowerThreadPriority: per-thread priorities are set on Linux only.
func lowerThreadPriority(n int) error {
	return errors.New("per-thread CPU priority is supported on Linux only")
}
