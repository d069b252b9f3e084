package archive_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/archive/archivetest"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/storage/minio"
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
		Files:        []workflow.File{{SHA256: s, Name: "x.pdf", Size: int64(size), Kind: workflow.FileSigned, CreatedAt: now}},
		Verification: &workflow.Verification{Verdict: "valid", Report: benchReport}}
}

// benchReport stands in for a validation report: about 2 KB, compact,
// as signing/verify writes it.
var benchReport = []byte(`{"verdict":"valid","reasons":[],"signatures":[` +
	strings.Repeat(`{"field":"Signature1","signer":"CN=Trần Thị Bình,O=UBND quận Bình Thủy","signing_time":"2026-12-03T02:00:00Z","verdict":"valid","chain":["CN=Vanthu Test Root"],"timestamp":{"time":"2026-12-03T02:00:01Z","authority":"CN=Vanthu TSA"},"covers_whole_document":true,"level":"PAdES-B-LTA","reasons":["signature valid","certificate valid at signing time"]},`, 5) +
	`{"field":"Signature3","verdict":"valid"}]}`)

// BenchmarkArchiveMinIO writes records (one PDF, a validation report, no
// events: in the store the PDF and metadata.json; before it carried the
// report and the trail, 4 objects) into
// an object-locked MinIO bucket, one after another. Besides records/s it
// reports, per record, the requests the store received, this process's
// CPU and the MinIO server's (when VANTHU_TEST_MINIO_PIDFILE names it).
func BenchmarkArchiveMinIO(b *testing.B) {
	benchArchiveMinIO(b, 1)
}

// BenchmarkArchiveMinIOParallel is BenchmarkArchiveMinIO with 16 records
// archived at a time (several clerks archiving, the archive import): a
// MinIO PUT with object lock waits for its fsync (about 12 ms for 100 KB
// here), so one record after another is bounded by the round trips of one
// record; this measures the throughput the store and the index sustain.
func BenchmarkArchiveMinIOParallel(b *testing.B) {
	benchArchiveMinIO(b, 16)
}

func benchArchiveMinIO(b *testing.B, atOnce int) {
	for _, size := range []int{100 << 10, 10 << 20} {
		b.Run(fmt.Sprintf("%dKB", size>>10), func(b *testing.B) {
			base, err := minio.NewTransport(false)
			if err != nil {
				b.Fatal(err)
			}
			reqs := &requestCounter{base: base}
			f := archivetest.New(b, gormdbtest.Open(b, gormdb.SQLite), sharedMinIOVia(b, reqs))
			ctx := context.Background()
			docs := make(chan *workflow.Document, b.N)
			for i := range b.N {
				docs <- benchDoc(b, f, i, size)
			}
			close(docs)
			b.SetBytes(int64(size))
			m := startMeter(reqs)
			b.ResetTimer()
			var wg sync.WaitGroup
			for range atOnce {
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
			m.report(b, size)
		})
	}
}

// requestCounter counts the requests sent to the store.
type requestCounter struct {
	base http.RoundTripper
	n    atomic.Int64
}

func (c *requestCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.base.RoundTrip(r)
}

// meter measures a benchmark's timed part.
type meter struct {
	reqs        *requestCounter
	n0          int64
	start       time.Time
	cpu, server time.Duration
	okCPU, okSv bool
}

func startMeter(reqs *requestCounter) *meter {
	m := &meter{reqs: reqs, n0: reqs.n.Load()}
	m.cpu, m.okCPU = processCPU()
	m.server, m.okSv = minioCPU()
	m.start = time.Now()
	return m
}

// report reports records/s, MB/s, and per record: requests, this
// process's CPU ms and the MinIO server's CPU ms.
func (m *meter) report(b *testing.B, size int) {
	el := time.Since(m.start).Seconds()
	n := float64(b.N)
	b.ReportMetric(n/el, "records/s")
	b.ReportMetric(n*float64(size)/el/1e6, "MB/s")
	b.ReportMetric(float64(m.reqs.n.Load()-m.n0)/n, "requests/record")
	if cpu, ok := processCPU(); ok && m.okCPU {
		b.ReportMetric(float64(cpu-m.cpu)/1e6/n, "cpu-ms/record")
	}
	if sv, ok := minioCPU(); ok && m.okSv {
		b.ReportMetric(float64(sv-m.server)/1e6/n, "minio-cpu-ms/record")
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
