package main

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// BenchmarkArchiveSearchPostgres seeds 100k archived records in PostgreSQL
// (as `vanthu archive seed --count 100000` does) and reports the p95
// latency of 200 mixed searches (target < 50 ms).
func BenchmarkArchiveSearchPostgres(b *testing.B) {
	ctx := context.Background()
	db := gormdbtest.Open(b, gormdb.Postgres)
	idx := gormdb.NewArchiveIndex(db)
	start := time.Now()
	if err := SeedArchive(ctx, db, idx, 100_000, 1); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded 100k records in %s", time.Since(start).Round(time.Second))
	db.Gorm().Exec("ANALYZE")
	from, to := workflow.NewDate(2021, 1, 1), workflow.NewDate(2021, 6, 30)
	queries := []archive.Query{
		{Q: "binh thuy"}, {Q: "Bình Thủy chỉnh trang"}, {Q: "long hoa"}, {Q: "giai phong mat bang nam 2026"},
		{Q: "chuyen doi so", Type: "QĐ"}, {Signer: "tran thi binh"}, {Org: "noi vu"}, {From: &from, To: &to},
		{Notation: "qd-ubnd"}, {Number: 1_004_242}, {Q: "xyz khong co"}, {},
	}
	b.ResetTimer()
	for b.Loop() {
		var lat []time.Duration
		for i := range 200 {
			q := queries[i%len(queries)]
			q.ViewerID, q.Limit = "u-archivist", 50
			t0 := time.Now()
			if _, _, err := idx.Search(ctx, q); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t0))
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	}
}
