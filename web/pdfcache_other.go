//go:build !unix

package web

import (
	"errors"
	"os"
)

// Without flock, no run directory is known to be stale: none is removed
// at start (lockFile without wait always fails), and the setup lock is
// not taken.
func lockFile(path string, wait bool) (func(), error) {
	if wait {
		return func() {}, nil
	}
	return nil, errors.New("no file locks on this system")
}

func holdLock(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
}
