//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package gormdb

import (
	"errors"
	"net"
	"syscall"
)

// peekQuiet peeks at c's socket without waiting: quiet if the read would
// block.
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
	err = raw.Read(func(fd uintptr) bool {
		var b [1]byte
		_, _, perr = syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		called = true
		return true // done, whatever it found: never wait
	})
	return err == nil && called && (errors.Is(perr, syscall.EAGAIN) || errors.Is(perr, syscall.EWOULDBLOCK))
}
