package main

import (
	"errors"
	"fmt"
	"os"
	"runtime"
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

// threadTimerSlack is the calling OS thread's timer slack (prctl
// PR_GET_TIMERSLACK).
func threadTimerSlack() (time.Duration, error) {
	const prGetTimerSlack = 30 // linux/prctl.h
	r, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prGetTimerSlack, 0, 0)
	if errno != 0 {
		return 0, fmt.Errorf("prctl(PR_GET_TIMERSLACK): %w", errno)
	}
	return time.Duration(r), nil
}

// execWithTimerSlack runs this program again, in this process, with the
// same arguments and environment (execve of /proc/self/exe) from a thread
// whose timer slack is d: the slack is kept across execve, so every
// thread of the new image has it, the runtime's monitor thread included,
// which is started before any Go code could set it. Nothing is done when
// the calling thread's slack is d or more already (the program ran again,
// or its parent gave it that much), or when the kernel does not keep the
// value asked for (a real-time thread has none). It returns only when it
// did not run the program again: nil, or why not.
func execWithTimerSlack(d time.Duration) error {
	runtime.LockOSThread() // the thread that sets the slack is the one that runs execve
	defer runtime.UnlockOSThread()
	cur, err := threadTimerSlack()
	if err != nil || cur >= d {
		return err
	}
	if err := setThreadTimerSlack(d); err != nil {
		return err
	}
	if now, err := threadTimerSlack(); err != nil || now != d {
		return errors.Join(errors.New("the timer slack was not kept"), err, setThreadTimerSlack(cur))
	}
	err = syscall.Exec("/proc/self/exe", os.Args, os.Environ())
	return errors.Join(fmt.Errorf("execve: %w", err), setThreadTimerSlack(cur))
}
