package gormdb_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
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

// BenchmarkRead measures the reads of a GET and of a list page outside
// any transaction (on SQLite, the read-only connections), GOMAXPROCS
// readers at once: one document by id with its events, and the first
// page of 20 of 200 documents.
func BenchmarkRead(b *testing.B) {
	for _, backend := range gormdbtest.Backends {
		b.Run(backend, func(b *testing.B) {
			db := gormdbtest.Open(b, backend)
			ctx := context.Background()
			for i := range 200 {
				if err := createAndRegister(ctx, db, incomingDoc(fmt.Sprintf("r%09d", i), i), false); err != nil {
					b.Fatal(err)
				}
			}
			reads := map[string]func() error{
				"document": func() error {
					if _, err := db.Document(ctx, "r000000100"); err != nil {
						return err
					}
					_, err := db.Events(ctx, "r000000100")
					return err
				},
				"list": func() error {
					_, _, err := db.Documents(ctx, workflow.DocumentFilter{Limit: 20})
					return err
				},
			}
			for _, name := range []string{"document", "list"} {
				read := reads[name]
				b.Run(name, func(b *testing.B) {
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							if err := read(); err != nil {
								b.Error(err)
								return
							}
						}
					})
				})
			}
		})
	}
}
