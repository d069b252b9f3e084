//go:build unix

package signing

import (
	"os"
	"syscall"
)

// mapping is a file's bytes mapped read-only; b must not be used after
// unmap.
type mapping struct {
	b    []byte
	full []byte // the whole mapping, from a page boundary
}

// mapFile maps size bytes of f from off, if f is a regular file that has
// them; ok is false when it cannot be mapped.
func mapFile(f *os.File, off, size int64) (*mapping, bool) {
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() || off < 0 || size <= 0 || st.Size()-off < size {
		return nil, false
	}
	start := off &^ int64(os.Getpagesize()-1)
	n := off - start + size
	if int64(int(n)) != n {
		return nil, false
	}
	sc, err := f.SyscallConn()
	if err != nil {
		return nil, false
	}
	var full []byte
	var merr error
	if err := sc.Control(func(fd uintptr) {
		full, merr = syscall.Mmap(int(fd), start, int(n), syscall.PROT_READ, syscall.MAP_SHARED)
	}); err != nil || merr != nil {
		return nil, false
	}
	return &mapping{b: full[off-start:], full: full}, true
}

func (m *mapping) unmap() {
	full := m.full
	m.b, m.full = nil, nil
	_ = syscall.Munmap(full)
}
