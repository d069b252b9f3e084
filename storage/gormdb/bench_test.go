package gormdb_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
)

// BenchmarkCreateAndTransition measures one document's life step: create
// it, one guarded update (registration, with its number), one audit
// event — all in one transaction. "serial" runs one writer; "parallel"
// GOMAXPROCS writers at once (SQLite still writes one at a time).
func BenchmarkCreateAndTransition(b *testing.B) {
	for _, backend := range gormdbtest.Backends {
		for _, parallel := range []bool{false, true} {
			name := backend + "/serial"
			if parallel {
				name = backend + "/parallel"
			}
			b.Run(name, func(b *testing.B) {
				db := gormdbtest.Open(b, backend)
				ctx := context.Background()
				var seq atomic.Int64
				op := func() error {
					i := int(seq.Add(1))
					d := incomingDoc(fmt.Sprintf("b%09d", i), i)
					return createAndRegister(ctx, db, d, false)
				}
				b.ResetTimer()
				if parallel {
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							if err := op(); err != nil {
								b.Error(err)
								return
							}
						}
					})
				} else {
					for b.Loop() {
						if err := op(); err != nil {
							b.Fatal(err)
						}
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "docs/s")
				b.StopTimer()
				verifyChain(b, db, seq.Load())
			})
		}
	}
}
