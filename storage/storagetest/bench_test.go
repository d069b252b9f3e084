package storagetest

import (
	"crypto/sha256"
	"fmt"
	"testing"
)

// BenchmarkSHA256 is the floor every store's Put and the fixity audit
// compare against: hashing alone, no I/O.
func BenchmarkSHA256(b *testing.B) {
	for _, size := range []int{100 << 10, 10 << 20} {
		content := RandomBytes(1, size)
		b.Run(fmt.Sprintf("%dKB", size>>10), func(b *testing.B) {
			b.SetBytes(int64(size))
			for b.Loop() {
				sha256.Sum256(content)
			}
		})
	}
}

func TestRandomBytes(t *testing.T) {
	a, b, c := RandomBytes(1, 100), RandomBytes(1, 100), RandomBytes(2, 100)
	if Sum(a) != Sum(b) || Sum(a) == Sum(c) {
		t.Error("RandomBytes is not deterministic per seed")
	}
	if Sum(nil) != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Errorf("Sum(nil) = %s", Sum(nil))
	}
}
