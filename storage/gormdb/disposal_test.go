package gormdb_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// TestDisposalStore: a list and its items read back as written on both
// databases, an update from a stale read is ECONFLICT, lists filter by
// state, and what stays of a destroyed record is found by its document.
func TestDisposalStore(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			db := gormdbtest.Open(t, backend)
			at := time.Date(2016, 6, 1, 2, 3, 4, 5000, time.UTC)
			dd := workflow.NewDate(2016, 5, 30)
			d := &workflow.Disposal{ID: "L1", Title: "Tiêu hủy năm 2016", CreatedBy: "u-ar", CreatedAt: at, State: workflow.DisposalProposed, Version: 1,
				Items: []workflow.DisposalItem{{DocumentID: "d1", Number: 12, Year: 2010, Notation: "12/KH-UBND", Subject: "Kế hoạch", Class: "5y",
					DocDate: &dd, RetainUntil: at.AddDate(-1, 0, 0)}}}
			if err := db.CreateDisposal(ctx, d); err != nil {
				t.Fatal(err)
			}
			got, err := db.Disposal(ctx, "L1")
			if err != nil || got.Title != d.Title || !got.CreatedAt.Equal(at) || len(got.Items) != 1 || got.Items[0].Notation != "12/KH-UBND" ||
				!got.Items[0].RetainUntil.Equal(d.Items[0].RetainUntil) || *got.Items[0].DocDate != dd {
				t.Fatalf("read back: %+v %v", got, err)
			}
			stale := *got
			got.State, got.ApprovedBy, got.ApprovedAt, got.DecisionNumber, got.DecisionDate, got.Version = workflow.DisposalApproved, "u-hd", &at, "15/QĐ-UBND", &dd, 2
			if err := db.UpdateDisposal(ctx, got); err != nil {
				t.Fatal(err)
			}
			stale.Version = 2
			stale.Title = "đổi"
			if err := db.UpdateDisposal(ctx, &stale); workflow.ErrorCode(err) != workflow.ECONFLICT {
				t.Fatalf("stale update: %v", err)
			}
			if ls, err := db.Disposals(ctx, workflow.DisposalApproved); err != nil || len(ls) != 1 || ls[0].DecisionNumber != "15/QĐ-UBND" || *ls[0].DecisionDate != dd {
				t.Fatalf("approved lists: %+v %v", ls, err)
			}
			if ls, _ := db.Disposals(ctx, workflow.DisposalProposed); len(ls) != 0 {
				t.Fatalf("proposed lists: %+v", ls)
			}
			err = db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				return db.FinishRecordDisposal(ctx, &workflow.DisposedRecord{DocumentID: "d1", DisposalID: "L1", DecisionNumber: "15/QĐ-UBND",
					DecisionDate: dd, DisposedAt: at, DisposedBy: "u-ar"})
			})
			if err != nil {
				t.Fatal(err)
			}
			gone, err := db.DisposedRecords(ctx, []string{"d1", "d2"})
			if err != nil || len(gone) != 1 || gone["d1"].DecisionDate != dd || !gone["d1"].DisposedAt.Equal(at) {
				t.Fatalf("disposed: %+v %v", gone, err)
			}
		})
	}
}

var _ workflow.DisposalStore = (*gormdb.DB)(nil)

// TestExpiredRecordsUseRetainUntilIndex: the disposal's expired records
// are those past their retain-until, with no hold, paged by the cursor;
// SQLite reads them from archive_records_retain_until (migration 35), not
// from every record, and PostgreSQL has the index.
func TestExpiredRecordsUseRetainUntilIndex(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			db := gormdbtest.Open(t, backend)
			idx := gormdb.NewArchiveIndex(db)
			for i := range 40 {
				archived(t, db, idx, fmt.Sprintf("k%02d", i), "Kế hoạch còn hạn lưu trữ", nil)
			}
			expired := func(hold bool) func(*workflow.Document, *archive.Record) {
				return func(_ *workflow.Document, r *archive.Record) {
					r.RetainUntil, r.LegalHold = t0.AddDate(-1, 0, 0), hold
				}
			}
			for _, id := range []string{"e01", "e02", "e03"} {
				archived(t, db, idx, id, "Kế hoạch hết hạn lưu trữ", expired(false))
			}
			archived(t, db, idx, "e04", "Kế hoạch hết hạn, đang phong tỏa", expired(true))
			var got []string
			f := archive.Query{SeeAll: true, Limit: 2}
			for page := 0; page < 3; page++ {
				recs, next, err := idx.ExpiredRecords(ctx, f, t0)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, ids(recs))
				if f.After = next; next == "" {
					break
				}
			}
			if want := []string{"e03,e02", "e01"}; !slices.Equal(got, want) {
				t.Fatalf("expired pages %q, want %q", got, want)
			}
			if backend == gormdb.Postgres {
				var n int64
				db.Gorm().Raw(`SELECT count(*) FROM pg_indexes WHERE tablename = 'archive_records' AND indexname = 'archive_records_retain_until'`).Scan(&n)
				if n != 1 {
					t.Fatal("no index archive_records_retain_until")
				}
				return
			}
			sql := gormdb.ExpiredRecordsSQL(db, archive.Query{SeeAll: true, After: "e03"}, t0)
			if p := explain(t, db, sql, false); !strings.Contains(p, "USING INDEX archive_records_retain_until") {
				t.Fatalf("the expired records are not read by their retain-until:\n%s\n%s", sql, p)
			}
		})
	}
}
