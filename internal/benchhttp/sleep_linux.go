package benchhttp

import (
	"syscall"
	"time"
)

// sleepUntil returns at t, give or take the kernel's timer slack (50 µs):
// nanosleep(2) blocks this OS thread on a high-resolution timer, where a
// time.Sleep would wait in the runtime's epoll_wait, whose timeout is in
// whole milliseconds.
func sleepUntil(t time.Time) {
	for {
		w := time.Until(t)
		if w <= 0 {
			return
		}
		ts := syscall.NsecToTimespec(int64(w))
		syscall.Nanosleep(&ts, nil)
	}
}
