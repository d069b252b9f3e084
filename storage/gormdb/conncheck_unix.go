//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package gormdb

import (
	"errors"
	"net"
	"syscall"
)

// peekQuiet peeks at c's socket without waiting: quiet if the read would
// block. It goes around the file's read lock (Control, not Read): pgx's
// background reader may sit in a Read on an idle connection (started
// when a write was slow, it reads on until the next answer), and waiting
// for that lock would wait for the next answer — which only comes after
// this check — or for the silence timeout.
func peekQuiet(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	var perr error
	called := false
	err = raw.Control(func(fd uintptr) {
		var b [1]byte
		_, _, perr = syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		called = true
	})
	return err == nil && called && (errors.Is(perr, syscall.EAGAIN) || errors.Is(perr, syscall.EWOULDBLOCK))
}
