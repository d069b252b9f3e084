package localfs_test

import (
	"testing"

	"github.com/vanthu/vanthu/storage/localfs"
	"github.com/vanthu/vanthu/storage/storagetest"
)

func BenchmarkStore(b *testing.B) {
	s, err := localfs.New(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	storagetest.Bench(b, s)
}
