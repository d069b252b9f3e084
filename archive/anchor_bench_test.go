package archive_test

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/storage/localfs"
	"github.com/vanthu/vanthu/workflow"
)

// BenchmarkVerifyAuditAnchored times VerifyAudit on a seeded history
// (VANTHU_ANCHOR_BENCH_DOCS documents, gormdbtest.SeedHistory, SQLite)
// without anchors and with one anchor every VANTHU_ANCHOR_BENCH_EVERY
// events (default 37: one per 10 minutes of office hours at the rate of
// the 2.64-million-event history), on the local store and on MinIO, and
// reports the largest heap (sampled every 10,000 events).
func BenchmarkVerifyAuditAnchored(b *testing.B) {
	docs, _ := strconv.Atoi(os.Getenv("VANTHU_ANCHOR_BENCH_DOCS"))
	if docs == 0 {
		b.Skip("VANTHU_ANCHOR_BENCH_DOCS not set")
	}
	every := int64(37)
	if v, _ := strconv.Atoi(os.Getenv("VANTHU_ANCHOR_BENCH_EVERY")); v > 0 {
		every = int64(v)
	}
	db := gormdbtest.Open(b, gormdb.SQLite)
	ctx := context.Background()
	start := time.Now()
	if err := gormdbtest.SeedHistory(ctx, db, gormdbtest.History{Docs: docs, Years: 6, End: time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC), Seed: 1}); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d documents in %s", docs, time.Since(start).Round(time.Second))
	local, err := localfs.New(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	stores := map[string]workflow.Blobs{"local": local}
	if os.Getenv("VANTHU_TEST_S3_ENDPOINT") != "" {
		stores["minio"] = sharedMinIO(b)
	}
	p := testPKI(b)
	agency, _ := p.Agency()
	var events int64
	for name, store := range stores {
		an := anchorsWith(db, store, p, agency)
		start := time.Now()
		events = writeAnchorsEvery(b, db, an, every)
		b.Logf("%s: anchors written in %s", name, time.Since(start).Round(time.Millisecond))
	}
	b.Run("bare", func(b *testing.B) {
		benchVerify(b, func() *workflow.Service { return &workflow.Service{Repo: db} }, events)
	})
	for name, store := range stores {
		b.Run("anchors-only-"+name, func(b *testing.B) { // read and checked, cold (a new Anchors each time)
			cpu0, minio0 := cpuTimes()
			defer reportCPU(b, cpu0, minio0)
			for b.Loop() {
				if _, err := anchorsWith(db, store, p, agency).AuditAnchors(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("anchored-cold-"+name, func(b *testing.B) { // a process's first verify (the CLI)
			benchVerify(b, func() *workflow.Service {
				return &workflow.Service{Repo: db, Anchors: anchorsWith(db, store, p, agency)}
			}, events)
		})
		warm := &workflow.Service{Repo: db, Anchors: anchorsWith(db, store, p, agency)}
		warm.VerifyAudit(context.Background())
		b.Run("anchored-warm-"+name, func(b *testing.B) { // serve's next ones: versions checked before are not read again
			benchVerify(b, func() *workflow.Service { return warm }, events)
		})
	}
}

// writeAnchorsEvery anchors every every-th event of db's chain (as the
// job would have when the head was there) and returns the events.
func writeAnchorsEvery(b *testing.B, db *gormdb.DB, an *archive.Anchors, every int64) int64 {
	var at []workflow.Event
	var n int64
	db.WalkEvents(context.Background(), func(e workflow.Event) error {
		if n++; e.Seq%every == 0 {
			at = append(at, workflow.Event{Seq: e.Seq, Hash: e.Hash})
		}
		return nil
	})
	for _, e := range at {
		an.Head = func(context.Context) (*workflow.Event, error) { return &e, nil }
		if _, _, err := an.Anchor(context.Background(), false); err != nil {
			b.Fatal(err)
		}
	}
	return n
}

func benchVerify(b *testing.B, svc func() *workflow.Service, events int64) {
	var peak uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // the heap while verify runs
		defer close(done)
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapAlloc)
			}
		}
	}()
	cpu0, minio0 := cpuTimes()
	for b.Loop() {
		runtime.GC()
		r, err := svc().VerifyAudit(context.Background())
		if err != nil || !r.OK || r.Events != events {
			b.Fatalf("%+v %v", r, err)
		}
		if r.Anchors != nil {
			b.ReportMetric(float64(r.Anchors.Checked), "anchors")
			b.ReportMetric(float64(r.Anchors.SignaturesChecked), "signatures")
		}
	}
	reportCPU(b, cpu0, minio0)
	close(stop)
	<-done
	b.ReportMetric(float64(events), "events")
	b.ReportMetric(float64(peak)/(1<<20), "heap-MB")
}

func cpuTimes() (time.Duration, time.Duration) {
	p, _ := processCPU()
	m, _ := minioCPU()
	return p, m
}

// reportCPU reports the CPU time per op of this process and of the test
// MinIO server since cpu0 and minio0: figures the machine's load does
// not stretch as it does the wall time.
func reportCPU(b *testing.B, cpu0, minio0 time.Duration) {
	p, m := cpuTimes()
	b.ReportMetric((p-cpu0).Seconds()/float64(b.N), "cpu-s/op")
	if m > 0 {
		b.ReportMetric((m-minio0).Seconds()/float64(b.N), "minio-cpu-s/op")
	}
}
