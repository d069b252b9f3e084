package gormdb_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// archived inserts an archived document and its record.
func archived(tb testing.TB, db *gormdb.DB, idx *gormdb.ArchiveIndex, id, subject string, mod func(d *workflow.Document, r *archive.Record)) {
	tb.Helper()
	d := incomingDoc(id, len(id))
	d.Subject, d.State = subject, workflow.Archived
	at := t0
	day := workflow.VietnamDate(at)
	r := &archive.Record{DocumentID: id, Version: 5, Key: archive.Prefix(id, 5), Class: "10y", ArchivedAt: at,
		RetainUntil: at.AddDate(10, 0, 0), Direction: d.Direction, Type: d.Type, Subject: subject,
		Notation: "12/SNV-VP", DocDate: &day, Orgs: []workflow.Org{*d.Sender}, Confidentiality: d.Confidentiality,
		CreatedBy: d.CreatedBy, SignerName: "Trần Thị Bình", SignerID: "u-officer",
		Objects: []archive.Object{{Key: archive.Prefix(id, 5) + "document.pdf", Name: "document.pdf", Size: 10, SHA256: strings.Repeat("a", 64), RetainUntil: at.AddDate(10, 0, 0)}}}
	if mod != nil {
		mod(d, r)
	}
	create(tb, db, d)
	if err := idx.PutRecord(context.Background(), r); err != nil {
		tb.Fatal(err)
	}
}

func ids(recs []*archive.Record) string {
	var s []string
	for _, r := range recs {
		s = append(s, r.DocumentID)
	}
	return strings.Join(s, ",")
}

func TestArchiveSearch(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		idx := gormdb.NewArchiveIndex(db)
		archived(t, db, idx, "a1", "Kế hoạch chỉnh trang đô thị quận Bình Thủy năm 2026", nil)
		archived(t, db, idx, "a2", "Báo cáo tình hình quận Ninh Kiều", func(d *workflow.Document, r *archive.Record) {
			r.Type, r.Number, r.Notation = "BC", 15, "15/BC-UBND"
			r.Orgs = []workflow.Org{{OrgID: "000.00.13.H13", Name: "UBND quận Ninh Kiều"}}
			day := workflow.NewDate(2025, 6, 1)
			r.DocDate = &day
			r.Class, r.RetainUntil = archive.ClassPermanent, archive.Forever
		})
		archived(t, db, idx, "a3", "Quyết định mật về BÌNH THỦY", func(d *workflow.Document, r *archive.Record) {
			d.Confidentiality, r.Confidentiality = workflow.Confidential, workflow.Confidential
			r.CreatedBy = "u-clerk"
		})
		// A record whose state change never committed is not found.
		archived(t, db, idx, "a4", "Bình Thủy chưa lưu", func(d *workflow.Document, r *archive.Record) { d.State = workflow.Completed })

		from, to := workflow.NewDate(2025, 1, 1), workflow.NewDate(2025, 12, 31)
		june1, may31 := workflow.NewDate(2025, 6, 1), workflow.NewDate(2025, 5, 31)
		for _, tc := range []struct {
			name string
			q    archive.Query
			want string
		}{
			{"without diacritics", archive.Query{Q: "binh thuy", SeeAll: true}, "a3,a1"},
			{"with diacritics", archive.Query{Q: "Bình Thủy", SeeAll: true}, "a3,a1"},
			{"upper case", archive.Query{Q: "BINH THUY", SeeAll: true}, "a3,a1"},
			{"all words", archive.Query{Q: "binh thuy ke hoach", SeeAll: true}, "a1"},
			{"đ folds to d", archive.Query{Q: "do thi", SeeAll: true}, "a1"},
			{"no match", archive.Query{Q: "cai rang", SeeAll: true}, ""},
			{"classified hidden", archive.Query{Q: "binh thuy", ViewerID: "u-archivist"}, "a1"},
			{"classified to its creator", archive.Query{Q: "binh thuy", ViewerID: "u-clerk"}, "a3,a1"},
			{"type", archive.Query{Type: "BC", SeeAll: true}, "a2"},
			{"number", archive.Query{Number: 15, SeeAll: true}, "a2"},
			{"notation part, any case", archive.Query{Notation: "bc-ubnd", SeeAll: true}, "a2"},
			{"signer name without diacritics", archive.Query{Signer: "tran thi binh", Type: "BC", SeeAll: true}, "a2"},
			{"org by code", archive.Query{Org: "000.00.13.H13", SeeAll: true}, "a2"},
			{"org by name", archive.Query{Org: "thanh pho can tho", SeeAll: true}, "a3,a1"},
			{"retention class", archive.Query{Class: archive.ClassPermanent, SeeAll: true}, "a2"},
			{"another retention class", archive.Query{Class: archive.Class10y, Q: "binh thuy", SeeAll: true}, "a3,a1"},
			{"date range", archive.Query{From: &from, To: &to, SeeAll: true}, "a2"},
			{"date range of one day", archive.Query{From: &june1, To: &june1, SeeAll: true}, "a2"},
			{"date range ending the day before", archive.Query{From: &from, To: &may31, SeeAll: true}, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, next, err := idx.Search(ctx, tc.q)
				if err != nil {
					t.Fatal(err)
				}
				if ids(got) != tc.want || next != "" {
					t.Fatalf("got %q (next %q), want %q", ids(got), next, tc.want)
				}
			})
		}
		t.Run("cursor paging", func(t *testing.T) {
			var all []string
			q := archive.Query{SeeAll: true, Limit: 1}
			for range 5 {
				got, next, err := idx.Search(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				all = append(all, ids(got))
				if next == "" {
					break
				}
				q.After = next
			}
			if strings.Join(all, ",") != "a3,a2,a1" {
				t.Fatalf("pages %v", all)
			}
		})
		t.Run("record and objects", func(t *testing.T) {
			r, err := idx.Record(ctx, "a1")
			if err != nil || len(r.Objects) != 1 || r.Objects[0].Name != "document.pdf" || r.SignerName != "Trần Thị Bình" || len(r.Orgs) != 1 {
				t.Fatalf("%v %+v", err, r)
			}
			if err := idx.SetLegalHold(ctx, "a1", true); err != nil {
				t.Fatal(err)
			}
			r, _ = idx.Record(ctx, "a1")
			if !r.LegalHold || !r.Objects[0].LegalHold {
				t.Fatalf("hold not recorded: %+v", r)
			}
			n, b, err := idx.ObjectStats(ctx)
			if err != nil || n != 4 || b != 40 {
				t.Fatalf("stats %d %d %v", n, b, err)
			}
			var keys []string
			idx.WalkObjects(ctx, func(o archive.Object) error { keys = append(keys, o.Key); return nil })
			if len(keys) != 4 || !sort.StringsAreSorted(keys) {
				t.Fatalf("walk %v", keys)
			}
			if _, err := idx.Record(ctx, "nope"); workflow.ErrorCode(err) != workflow.ENOTFOUND {
				t.Fatalf("missing record: %v", err)
			}
		})
		t.Run("imports", func(t *testing.T) {
			sum := strings.Repeat("b", 64)
			if id, err := idx.Imported(ctx, sum); err != nil || id != "" {
				t.Fatalf("%q %v", id, err)
			}
			if err := idx.MarkImported(ctx, sum, "a1", "x.pdf"); err != nil {
				t.Fatal(err)
			}
			if err := idx.MarkImported(ctx, sum, "a1", "x.pdf"); err != nil {
				t.Fatal(err)
			}
			if id, _ := idx.Imported(ctx, sum); id != "a1" {
				t.Fatalf("imported as %q", id)
			}
		})
	})
}

// On PostgreSQL, subject search uses the trigram index.
func TestArchiveSearchUsesTrigramIndex(t *testing.T) {
	db := gormdbtest.Open(t, gormdb.Postgres)
	ctx := context.Background()
	idx := gormdb.NewArchiveIndex(db)
	for i := range 300 {
		archived(t, db, idx, fmt.Sprintf("x%04d", i), fmt.Sprintf("Văn bản số %d về việc khác", i), nil)
	}
	archived(t, db, idx, "y0001", "Kế hoạch phường Long Hòa", nil)
	g := db.Gorm().WithContext(ctx)
	g.Exec("ANALYZE archive_records")
	g.Exec("ANALYZE documents")
	var lines []string
	sql := idx.SearchSQL(ctx, archive.Query{Q: "long hoa"})
	// A table this small is cheaper to scan: forbid that, to see whether
	// the index applies at all (the 100k benchmark measures the real plan).
	err := g.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off").Error; err != nil {
			return err
		}
		return tx.Raw("EXPLAIN " + sql).Scan(&lines).Error
	})
	if err != nil {
		t.Fatal(err)
	}
	plan := strings.Join(lines, "\n")
	if !strings.Contains(plan, "archive_records_subject_norm_trgm") {
		t.Fatalf("the search does not use the trigram index:\n%s", plan)
	}
}
