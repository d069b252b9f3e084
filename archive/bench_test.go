package archive_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/archive/archivetest"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// benchDoc puts size random bytes into the work store and returns an
// issued-looking document holding them.
func benchDoc(b *testing.B, f *archivetest.Fixture, i, size int) *workflow.Document {
	b.Helper()
	buf := make([]byte, size)
	rand.Read(buf)
	copy(buf, "%PDF-1.7\n")
	s := sum(buf)
	if _, err := f.Work.Put(context.Background(), workflow.BlobKey(s), bytes.NewReader(buf), int64(size), s, workflow.PutOptions{}); err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	return &workflow.Document{ID: fmt.Sprintf("bench%08d%s", i, s[:6]), Direction: workflow.Outgoing, Type: "KH", Subject: "Bình Thủy",
		State: workflow.Issued, Version: 6, IssuedAt: &now, CreatedAt: now, UpdatedAt: now,
		Files: []workflow.File{{SHA256: s, Name: "x.pdf", Size: int64(size), Kind: workflow.FileSigned, CreatedAt: now}}}
}

// BenchmarkArchiveMinIO writes records (one PDF + events + metadata) into
// an object-locked MinIO bucket.
func BenchmarkArchiveMinIO(b *testing.B) {
	for _, size := range []int{100 << 10, 10 << 20} {
		b.Run(fmt.Sprintf("%dKB", size>>10), func(b *testing.B) {
			f := archivetest.New(b, gormdbtest.Open(b, gormdb.SQLite), sharedMinIO(b))
			ctx := context.Background()
			var docs []*workflow.Document
			for i := range b.N {
				docs = append(docs, benchDoc(b, f, i, size))
			}
			b.SetBytes(int64(size))
			b.ResetTimer()
			start := time.Now()
			for i := range b.N {
				if _, err := f.Archive.ArchiveRecord(ctx, docs[i], nil); err != nil {
					b.Fatal(err)
				}
			}
			el := time.Since(start).Seconds()
			b.ReportMetric(float64(b.N)/el, "records/s")
			b.ReportMetric(float64(b.N*size)/el/1e6, "MB/s")
		})
	}
}

// BenchmarkArchiveMinIOParallel is BenchmarkArchiveMinIO with 16 records
// archived at a time (several clerks archiving, the archive import): a
// MinIO PUT with object lock waits for its fsync (about 12 ms for 100 KB
// here), so one record after another is bounded by the round trips of one
// record; this measures the throughput the store and the index sustain.
func BenchmarkArchiveMinIOParallel(b *testing.B) {
	for _, size := range []int{100 << 10, 10 << 20} {
		b.Run(fmt.Sprintf("%dKB", size>>10), func(b *testing.B) {
			f := archivetest.New(b, gormdbtest.Open(b, gormdb.SQLite), sharedMinIO(b))
			ctx := context.Background()
			docs := make(chan *workflow.Document, b.N)
			for i := range b.N {
				docs <- benchDoc(b, f, i, size)
			}
			close(docs)
			b.SetBytes(int64(size))
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			for range 16 {
				wg.Go(func() {
					for d := range docs {
						if _, err := f.Archive.ArchiveRecord(ctx, d, nil); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			el := time.Since(start).Seconds()
			b.ReportMetric(float64(b.N)/el, "records/s")
			b.ReportMetric(float64(b.N*size)/el/1e6, "MB/s")
		})
	}
}

// BenchmarkFixity re-verifies an archive of 20 × 10 MB records, on the
// local folder and on MinIO; BenchmarkSHA256Floor is the hash alone.
func BenchmarkFixity(b *testing.B) {
	for _, backend := range []string{"localfs", "minio"} {
		b.Run(backend, func(b *testing.B) {
			var store workflow.Blobs
			if backend == "minio" {
				store = sharedMinIO(b)
			}
			f := archivetest.New(b, gormdbtest.Open(b, gormdb.SQLite), store)
			ctx := context.Background()
			for i := range 20 {
				if _, err := f.Archive.ArchiveRecord(ctx, benchDoc(b, f, i, 10<<20), nil); err != nil {
					b.Fatal(err)
				}
			}
			_, total, _ := f.Index.ObjectStats(ctx)
			b.SetBytes(total)
			b.ResetTimer()
			for b.Loop() {
				rep, err := f.Archive.Fixity(ctx, archive.FixityOptions{})
				if err != nil || !rep.OK {
					b.Fatalf("%v %+v", err, rep)
				}
			}
		})
	}
}

func BenchmarkSHA256Floor(b *testing.B) {
	buf := make([]byte, 1<<20)
	b.SetBytes(int64(len(buf)))
	h := sha256.New()
	for b.Loop() {
		h.Write(buf)
	}
}
