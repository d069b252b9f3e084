package storagetest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// Bench measures Put and Get throughput of s for 100 KB and 10 MB objects
// (b.SetBytes: go test reports MB/s). Each Put writes a new key.
func Bench(b *testing.B, s workflow.Blobs) {
	ctx := context.Background()
	for _, size := range []int{100 << 10, 10 << 20} {
		content := RandomBytes(uint64(size), size)
		sum := Sum(content)
		name := fmt.Sprintf("%dKB", size>>10)
		b.Run("Put/"+name, func(b *testing.B) {
			b.SetBytes(int64(size))
			i := 0
			for b.Loop() {
				key := fmt.Sprintf("bench/put-%s/%d", name, i)
				i++
				if _, err := s.Put(ctx, key, bytes.NewReader(content), int64(size), sum, workflow.PutOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("Get/"+name, func(b *testing.B) {
			key := "bench/get-" + name
			if _, err := s.Put(ctx, key, bytes.NewReader(content), int64(size), sum, workflow.PutOptions{}); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(size))
			for b.Loop() {
				rc, _, err := s.Get(ctx, key)
				if err != nil {
					b.Fatal(err)
				}
				n, err := io.Copy(io.Discard, rc)
				rc.Close()
				if err != nil || n != int64(size) {
					b.Fatalf("Get: %d bytes, %v", n, err)
				}
			}
		})
	}
}
