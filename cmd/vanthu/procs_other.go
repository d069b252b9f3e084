//go:build !linux

package main

import (
	"errors"
	"time"
)

// lowerThreadPriority: per-thread priorities are set on Linux only.
func lowerThreadPriority(n int) error {
	return errors.New("per-thread CPU priority is supported on Linux only")
}

// timerSlackSupported: the timer slack is set on Linux only.
const timerSlackSupported = false

// setThreadTimerSlack: the timer slack is set on Linux only.
func setThreadTimerSlack(time.Duration) error {
	return errors.New("timer slack is set on Linux only")
}

// execWithTimerSlack: the timer slack is set on Linux only; nothing to do.
func execWithTimerSlack(time.Duration) error { return nil }
