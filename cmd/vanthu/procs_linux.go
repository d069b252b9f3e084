package main

import (
	"fmt"
	"syscall"
	"time"
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

// timerSlackSupported says whether setThreadTimerSlack can work here.
const timerSlackSupported = true

// setThreadTimerSlack sets the calling OS thread's timer slack (prctl
// PR_SET_TIMERSLACK), which the processes it starts and their threads
// inherit.
func setThreadTimerSlack(d time.Duration) error {
	const prSetTimerSlack = 29 // linux/prctl.h
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetTimerSlack, uintptr(d.Nanoseconds()), 0); errno != 0 {
		return fmt.Errorf("prctl(PR_SET_TIMERSLACK): %w", errno)
	}
	return nil
}
