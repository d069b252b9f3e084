//go:build !unix

package signing

import "os"

// mapping is a mapped file; without mmap there is none.
type mapping struct{ b []byte }

// mapFile cannot map here: files are read like any other source.
func mapFile(*os.File, int64, int64) (*mapping, bool) { return nil, false }

func (m *mapping) unmap() {}
