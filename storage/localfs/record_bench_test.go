package localfs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// BenchmarkPutRecord writes archive-record-like groups of objects — a
// 100 KB PDF and three small JSON files put at once into a new
// records/<n>/v1 directory, as archive.Service wrote a record before
// metadata.json carried the report and the trail (now: the PDF and
// metadata.json) — one or
// eight records at a time, and reports records/s and the fsyncs per
// record (files and directories, counted through the store's syncFile).
func BenchmarkPutRecord(b *testing.B) {
	parts := []struct {
		name string
		size int
	}{{"document.pdf", 100 << 10}, {"verification.json", 2 << 10}, {"events.json", 4 << 10}, {"metadata.json", 2 << 10}}
	bodies := make([][]byte, len(parts))
	sums := make([]string, len(parts))
	for i, p := range parts {
		bodies[i] = bytes.Repeat([]byte{byte('a' + i)}, p.size)
		h := sha256.Sum256(bodies[i])
		sums[i] = hex.EncodeToString(h[:])
	}
	for _, atOnce := range []int{1, 8} {
		b.Run(fmt.Sprintf("%d-at-once", atOnce), func(b *testing.B) {
			s, err := New(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			var syncs atomic.Int64
			s.syncFile = func(f *os.File) error { syncs.Add(1); return f.Sync() }
			next := make(chan int, b.N)
			for i := range b.N {
				next <- i
			}
			close(next)
			b.ResetTimer()
			var wg sync.WaitGroup
			for range atOnce {
				wg.Go(func() {
					for n := range next {
						var rec sync.WaitGroup
						for i, p := range parts {
							rec.Go(func() {
								key := fmt.Sprintf("records/%08d/v1/%s", n, p.name)
								if _, err := s.Put(context.Background(), key, bytes.NewReader(bodies[i]), int64(p.size), sums[i], workflow.PutOptions{}); err != nil {
									b.Error(err)
								}
							})
						}
						rec.Wait()
					}
				})
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric(float64(syncs.Load())/float64(b.N), "fsyncs/record")
		})
	}
}
