package main

import (
	"fmt"
	"syscall"
)

// lowerThreadPriority raises the calling OS thread's nice value by n (at
// most to 19). On Linux a thread is a task: PRIO_PROCESS with the thread
// ID changes this thread only.
func lowerThreadPriority(n int) error {
	tid := syscall.Gettid()
	prio, err := syscall.Getpriority(syscall.PRIO_PROCESS, tid)
	if err != nil {
		return fmt.Errorf("getpriority: %w", err)
	}
	cur := 20 - prio // the system call answers 20 - nice
	if err := syscall.Setpriority(syscall.PRIO_PROCESS, tid, min(cur+n, 19)); err != nil {
		return fmt.Errorf("setpriority: %w", err)
	}
	return nil
}
