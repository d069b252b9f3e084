package gormdb_test

import (
	"context"
	"fmt"
	"strings"
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

// BenchmarkLifecycleWrites measures the row writes of a document's life:
// its creation, then six transitions, each a transaction that locks the
// row and writes it again (a new state, the subject as it was; without
// the audit event a workflow transition also appends), GOMAXPROCS
// documents at once. On PostgreSQL every
// transition writes a new version of the row into each of its indexes
// (the state is indexed: no update is HOT), the subject's trigram index
// among them.
func BenchmarkLifecycleWrites(b *testing.B) {
	states := []workflow.State{workflow.Registered, workflow.Assigned, workflow.InProgress, workflow.Completed,
		workflow.Registered, workflow.Assigned}
	for _, backend := range gormdbtest.Backends {
		b.Run(backend, func(b *testing.B) {
			db := gormdbtest.Open(b, backend)
			ctx := context.Background()
			var seq atomic.Int64
			op := func() error {
				d := incomingDoc(fmt.Sprintf("l%09d", seq.Add(1)), 0)
				d.Subject = "Về việc tổ chức Ngày hội Đại đoàn kết toàn dân tộc tại quận Bình Thủy năm 2026"
				if err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error { return tx.CreateDocument(ctx, d) }); err != nil {
					return err
				}
				for _, s := range states {
					err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
						cur, err := tx.LockDocument(ctx, d.ID)
						if err != nil {
							return err
						}
						prev := cur.Version
						cur.State, cur.Version = s, prev+1
						return tx.UpdateDocument(ctx, cur, prev)
					})
					if err != nil {
						return err
					}
				}
				return nil
			}
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := op(); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "docs/s")
		})
	}
}

// BenchmarkSearch measures the document list's search (a word in the
// folded subjects, workflow.DocumentFilter.Query) over 5,000 documents
// whose rows are as wide as an issued document's (five files, notes): a
// word in 1 % of the subjects, and one in none (on SQLite, which has no
// trigram index, a scan of every row).
func BenchmarkSearch(b *testing.B) {
	const n = 5000
	for _, backend := range gormdbtest.Backends {
		b.Run(backend, func(b *testing.B) {
			db := gormdbtest.Open(b, backend)
			ctx := context.Background()
			for batch := 0; batch < n; batch += 500 {
				docs := make([]*workflow.Document, 0, 500)
				for i := batch; i < batch+500; i++ {
					d := incomingDoc(fmt.Sprintf("s%09d", i), i)
					d.Subject = fmt.Sprintf("Về việc tổ chức hội nghị số %d của Ủy ban nhân dân quận", i)
					if i%100 == 0 {
						d.Subject += " Bình Thủy"
					}
					d.Notes = strings.Repeat("Ghi chú của văn thư về văn bản. ", 8)
					for k := range 5 {
						d.Files = append(d.Files, workflow.File{SHA256: fmt.Sprintf("%064x", i*10+k), Name: fmt.Sprintf("tep-%d.pdf", k),
							Size: 120000, Kind: workflow.FileAttachment, CreatedAt: t0})
					}
					docs = append(docs, d)
				}
				create(b, db, docs...)
			}
			for _, q := range []struct{ name, query string }{{"1%", "binh thuy"}, {"none", "khong co"}} {
				b.Run(q.name, func(b *testing.B) {
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							if _, _, err := db.Documents(ctx, workflow.DocumentFilter{Query: q.query, SeeAll: true, Limit: 20}); err != nil {
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
