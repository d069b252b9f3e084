package gormdb_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// explain returns the plan of sql on db. On PostgreSQL, with sequential
// scans forbidden unless seq: a small table is cheaper to scan, and the
// question is whether the index applies at all.
func explain(tb testing.TB, db *gormdb.DB, sql string, seq bool) string {
	tb.Helper()
	var plan []string
	err := db.Gorm().Transaction(func(tx *gorm.DB) error {
		if db.Dialect() == gormdb.SQLite {
			var rows []struct{ Detail string }
			err := tx.Raw("EXPLAIN QUERY PLAN " + sql).Scan(&rows).Error
			for _, r := range rows {
				plan = append(plan, r.Detail)
			}
			return err
		}
		if !seq {
			if err := tx.Exec("SET LOCAL enable_seqscan = off").Error; err != nil {
				return err
			}
		}
		return tx.Raw("EXPLAIN " + sql).Scan(&plan).Error
	})
	if err != nil {
		tb.Fatalf("EXPLAIN %s: %v", sql, err)
	}
	return strings.Join(plan, "\n")
}

// TestPlansAtSize: the reads that a history of years makes slow use their
// indexes — the reform report its partial indexes, the inbox
// documents_work also once ANALYZE has seen that nearly every document is
// archived, the archive's search and renewal job the records' primary key
// in order (no sort of every archived record). A small history, skewed
// as a real one (BenchmarkAtSize measures 300,000 documents).
func TestPlansAtSize(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		end := time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC)
		docs := 1500 // SQLite: the archive's plans below are judged on its rows too
		if db.Dialect() == gormdb.Postgres {
			docs = 500 // its plans are asked with sequential scans off; seeding is slower
		}
		if err := gormdbtest.SeedHistory(ctx, db, gormdbtest.History{Docs: docs, Years: 3, End: end, Active: 3, Seed: 2}); err != nil {
			t.Fatal(err)
		}
		if err := db.Gorm().Exec("ANALYZE").Error; err != nil {
			t.Fatal(err)
		}
		if db.Dialect() == gormdb.SQLite {
			atSizeStats(t, db)
		}
		year := workflow.ReformFilter{From: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
		leader := year
		leader.ViewerID = gormdbtest.HistoryOfficers[0]
		for _, f := range []workflow.ReformFilter{year, leader} {
			sqls := gormdb.ReformSQL(db, f)
			for i, index := range []string{"documents_issued_at", "documents_direction_created", "documents_archived_at", "audit_events_archive_use", "audit_events_complete"} {
				if p := explain(t, db, sqls[i], false); !strings.Contains(p, index) {
					t.Errorf("reform query %d (viewer %q) does not use %s:\n%s\n%s", i, f.ViewerID, index, sqls[i], p)
				}
			}
		}
		clerk := &workflow.User{ID: gormdbtest.HistoryClerks[0], Roles: []workflow.Role{workflow.RoleClerk}}
		work := gormdb.WorkSQL(db, workflow.WorkQuery{Clauses: workflow.WorkClauses(clerk), ViewerID: clerk.ID, SeeAll: true})
		if p := explain(t, db, work, true); !strings.Contains(p, "documents_work") {
			t.Errorf("the clerk's inbox does not use documents_work:\n%s", p)
		}
		// The month and the times after the year (the span before it
		// starts at year 1, which gorm's SQL writer cannot write).
		for _, p := range workflow.RegisterMonthSpans(2025, time.March)[1:] {
			month := gormdb.RegisterDatedSQL(db, workflow.RegisterIncoming, 2025, p)
			if p := explain(t, db, month, false); !strings.Contains(p, "documents_register_date") {
				t.Errorf("a month of a register does not use documents_register_date:\n%s\n%s", month, p)
			}
		}
		listPlans(t, db)
		signedPlans(t, db)
		watchedPlans(t, db)
		if db.Dialect() != gormdb.SQLite {
			return // PostgreSQL's plans of the two below depend on its costs
		}
		searchPlans(t, db)
		search := gormdb.NewArchiveIndex(db).SearchSQL(ctx, archive.Query{Q: "binh thuy"})
		due := gormdb.EvidenceDueSQL(db, end)
		for name, sql := range map[string]string{"search": search, "evidence due": due} {
			if p := explain(t, db, sql, true); strings.Contains(p, "TEMP B-TREE") {
				t.Errorf("the archive's %s sorts the records:\n%s", name, p)
			}
		}
	})
}

// sqliteStatsAtSize are SQLite's statistics (sqlite_stat1) of documents
// and archive_records after ANALYZE of six years of a district's history
// (BenchmarkAtSize, 300,000 documents, 294,000 archived): the rows per
// value of each index's prefixes, which its planner judges plans by.
var sqliteStatsAtSize = [][3]string{
	{"documents", "documents_archived_at", "293989 1 1 1 1 1"},
	{"documents", "documents_issued_at", "119856 1"},
	{"documents", "documents_sender_delivery", "134496 26900 1 1"},
	{"documents", "documents_verify_code", "119856 1"},
	{"documents", "documents_register_number", "295413 73854 10551 1"},
	{"documents", "documents_direction_created", "300000 150000 1 1"},
	{"documents", "documents_work", "300000 150000 21429 10715 68 67 4 3 3 1"},
	{"documents", "documents_created", "300000 1 1"},
	{"documents", "sqlite_autoindex_documents_1", "300000 1"},
	{"archive_records", "archive_records_type", "293989 32666"},
	{"archive_records", "archive_records_number", "293989 11"},
	{"archive_records", "archive_records_doc_date", "293989 135"},
	{"archive_records", "sqlite_autoindex_archive_records_1", "293989 1"},
}

// atSizeStats gives SQLite's planner the statistics of a database at size
// (sqliteStatsAtSize) in place of those of the small one, and only those:
// an ANALYZE by a sqlite3 built without SQLITE_ENABLE_STAT4 (Debian's
// sqlite3 3.40, for one) leaves sqlite_stat4 empty, and the planner then
// knows no more than the average rows per (direction, state).
func atSizeStats(tb testing.TB, db *gormdb.DB) {
	tb.Helper()
	g := db.Gorm()
	for _, stmt := range []string{"DELETE FROM sqlite_stat1 WHERE tbl IN ('documents', 'archive_records')", "DELETE FROM sqlite_stat4"} {
		if err := g.Exec(stmt).Error; err != nil {
			tb.Fatal(err)
		}
	}
	for _, s := range sqliteStatsAtSize {
		if err := g.Exec("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)", s[0], s[1], s[2]).Error; err != nil {
			tb.Fatal(err)
		}
	}
	if err := g.Exec("ANALYZE sqlite_schema").Error; err != nil { // reload them
		tb.Fatal(err)
	}
}

// listPlans: the list's pages are read in its order from an index of it
// (documents_created, or documents_direction_created with a direction),
// from the newest end of a date range, without sorting the range — also
// with the other filters and after a cursor.
func listPlans(t *testing.T, db *gormdb.DB) {
	t.Helper()
	month := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	from, to := &month, ptr(month.AddDate(0, 1, 0))
	cur := workflow.ListCursor{At: month.AddDate(0, 0, 10), ID: "0"}.String()
	for _, tc := range []struct {
		name, index string
		f           workflow.DocumentFilter
	}{
		{"all", "documents_created", workflow.DocumentFilter{SeeAll: true}},
		{"a month", "documents_created", workflow.DocumentFilter{From: from, To: to, SeeAll: true}},
		{"a month, after a cursor", "documents_created", workflow.DocumentFilter{From: from, To: to, After: cur, SeeAll: true}},
		{"a month, a handler", "documents_created", workflow.DocumentFilter{From: from, To: to, ViewerID: gormdbtest.HistoryHandlers[0]}},
		{"a month, a state", "documents_created", workflow.DocumentFilter{State: workflow.Archived, From: from, To: to, SeeAll: true}},
		{"a month, words", "documents_created", workflow.DocumentFilter{Query: "binh thuy", From: from, To: to, SeeAll: true}},
		{"a direction", "documents_direction_created", workflow.DocumentFilter{Direction: workflow.Incoming, SeeAll: true}},
		{"a direction, a month", "documents_direction_created", workflow.DocumentFilter{Direction: workflow.Incoming, From: from, To: to, SeeAll: true}},
		{"a direction, a month, after a cursor", "documents_direction_created", workflow.DocumentFilter{Direction: workflow.Outgoing, From: from, To: to, After: cur, SeeAll: true}},
		{"a direction, a type, a month", "documents_direction_created", workflow.DocumentFilter{Direction: workflow.Outgoing, Type: "QĐ", From: from, To: to, SeeAll: true}},
	} {
		sql := gormdb.ListSQL(db, tc.f, false)
		if db.Dialect() == gormdb.SQLite {
			if p := explain(t, db, sql, false); !strings.Contains(p, tc.index) || strings.Contains(p, "TEMP B-TREE") {
				t.Errorf("the list, %s: not read in order from %s:\n%s\n%s", tc.name, tc.index, sql, p)
			}
			continue
		}
		// PostgreSQL sorts the few rows of a small table as it likes:
		// with sorts and sequential scans forbidden, the plan shows that
		// an index of the list's order serves it (either: with half the
		// documents of a direction, reading documents_created and
		// skipping the other half can cost less).
		p := explainNoSort(t, db, sql)
		if !strings.Contains(p, "Index Scan Backward using documents_created") && !strings.Contains(p, "Index Scan Backward using documents_direction_created") ||
			strings.Contains(p, "Sort") {
			t.Errorf("the list, %s: not read in order from an index of the order:\n%s\n%s", tc.name, sql, p)
		}
	}
	// Hạn xử lý › Quá hạn: on SQLite the few documents still to be
	// handled, from documents_work's range of their states, then sorted
	// — not every document of the direction walked in the list's order.
	if db.Dialect() != gormdb.SQLite {
		return
	}
	day := workflow.NewDate(2026, 11, 20)
	for _, f := range []workflow.DocumentFilter{
		{Direction: workflow.Incoming, OverdueOn: &day, SeeAll: true},
		{Direction: workflow.Incoming, OverdueOn: &day, After: cur, ViewerID: gormdbtest.HistoryHandlers[0]},
		{Direction: workflow.Outgoing, OverdueOn: &day, Type: "QĐ", From: from, To: to, SeeAll: true},
	} {
		sql := gormdb.ListSQL(db, f, false)
		if p := explain(t, db, sql, false); !strings.Contains(p, "documents_work") {
			t.Errorf("the list of the overdue (%+v): not read from documents_work:\n%s\n%s", f, sql, p)
		}
	}
}

// signedPlans: "what I signed" reads an official's sign events of the
// period from audit_events_sign, with or without a period, after a
// cursor of its order too; "what I issued" reads documents_issued_at
// for its period and the clerk's issue events from audit_events_issue.
func signedPlans(t *testing.T, db *gormdb.DB) {
	t.Helper()
	week := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	officer := gormdbtest.HistoryOfficers[0]
	cur := workflow.ListCursor{Order: workflow.OrderSigned, At: week.AddDate(0, 0, 3), ID: "0"}.String()
	for _, f := range []workflow.DocumentFilter{
		{Signed: workflow.Act{By: officer, From: &week, To: ptr(week.AddDate(0, 0, 7))}, ViewerID: officer},
		{Signed: workflow.Act{By: officer}, ViewerID: officer},
		{Signed: workflow.Act{By: officer, From: &week, To: ptr(week.AddDate(0, 0, 7))}, After: cur, ViewerID: officer},
	} {
		sql := gormdb.ListSQL(db, f, false)
		if p := explain(t, db, sql, false); !strings.Contains(p, "audit_events_sign") {
			t.Errorf("the list of what %s signed (period %v, cursor %q): not read from audit_events_sign:\n%s\n%s", officer, f.Signed.From != nil, f.After, sql, p)
		}
	}
	// What a clerk issued, in the order of issue: from documents_issued_at.
	clerk := gormdbtest.HistoryClerks[0]
	icur := workflow.ListCursor{Order: workflow.OrderIssued, At: week.AddDate(0, 0, 3), ID: "0"}.String()
	for _, after := range []string{"", icur} {
		sql := gormdb.ListSQL(db, workflow.DocumentFilter{Issued: workflow.Act{By: clerk, From: &week, To: ptr(week.AddDate(0, 1, 0))}, After: after, ViewerID: clerk}, false)
		if p := explain(t, db, sql, false); !strings.Contains(p, "documents_issued_at") {
			t.Errorf("the list of what %s issued (cursor %q): not read from documents_issued_at:\n%s\n%s", clerk, after, sql, p)
		}
	}
	// Whatever the period, with a cursor deep in the past or none, the
	// clerk's issue events are read from audit_events_issue (migration
	// 36), by clerk: not each document's events by document_id, nor
	// every event of the trail.
	deep := workflow.ListCursor{Order: workflow.OrderIssued, At: week.AddDate(-1, 0, 0), ID: "0"}.String()
	for _, f := range []workflow.DocumentFilter{
		{Issued: workflow.Act{By: clerk}, After: deep, ViewerID: clerk},
		{Issued: workflow.Act{By: clerk}, ViewerID: clerk},
		{Issued: workflow.Act{By: clerk, From: &week, To: ptr(week.AddDate(0, 1, 0))}, ViewerID: clerk},
	} {
		sql := gormdb.ListSQL(db, f, false)
		if p := explain(t, db, sql, false); !strings.Contains(p, "audit_events_issue") {
			t.Errorf("the list of what %s issued (period %v, cursor %q): its events not read from audit_events_issue:\n%s\n%s", clerk, f.Issued.From != nil, f.After, sql, p)
		}
	}
}

// watchedPlans: Theo dõi gửi liên thông reads the deliveries that may
// need attention from deliveries_attention (migration 37) — every watch,
// an agency, after a cursor — not every delivery ever made.
func watchedPlans(t *testing.T, db *gormdb.DB) {
	t.Helper()
	after := &workflow.ListCursor{At: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), ID: "d"}
	for _, w := range []workflow.DeliveryWatch{"", workflow.WatchWaiting, workflow.WatchRetrying, workflow.WatchFailed, workflow.WatchRefused} {
		for _, q := range []workflow.DeliveryQuery{{Watch: w, SeeAll: true}, {Watch: w, OrgID: "000.00.31.H13", After: after, ViewerID: gormdbtest.HistoryClerks[0]}} {
			sql := gormdb.WatchedSQL(db, q)
			if p := explain(t, db, sql, false); !strings.Contains(p, "deliveries_attention") {
				t.Errorf("the deliveries to watch (%q, agency %q) are not read from deliveries_attention:\n%s\n%s", w, q.OrgID, sql, p)
			}
		}
	}
}

// searchPlans: on SQLite, the index's plan of the list's search reads
// documents only by rowid — the candidates of documents_subject_fts, then
// the page's rows — and sorts; it scans no index of documents.
func searchPlans(t *testing.T, db *gormdb.DB) {
	t.Helper()
	month := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	cur := workflow.ListCursor{At: month, ID: "0"}.String()
	for _, f := range []workflow.DocumentFilter{
		{Query: "binh thuy", SeeAll: true},
		{Query: "binh thuy", Direction: workflow.Incoming, State: workflow.Archived, From: &month, After: cur, ViewerID: gormdbtest.HistoryHandlers[0]},
	} {
		sql := gormdb.ListSQL(db, f, true)
		p := explain(t, db, sql, false)
		if strings.Count(p, "SEARCH documents USING INTEGER PRIMARY KEY (rowid=?)") != 2 ||
			strings.Contains(p+"\n", "SCAN documents\n") || strings.Contains(p, "SCAN documents USING") ||
			!strings.Contains(p, "VIRTUAL TABLE INDEX") {
			t.Errorf("the search through documents_subject_fts, %+v:\n%s\n%s", f, sql, p)
		}
	}
}

// explainNoSort is explain on PostgreSQL with sorts and sequential scans
// forbidden (costed as prohibitive): a Sort left in the plan means no
// index could give the order.
func explainNoSort(tb testing.TB, db *gormdb.DB, sql string) string {
	tb.Helper()
	var plan []string
	err := db.Gorm().Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("SET LOCAL enable_sort = off").Error; err != nil {
			return err
		}
		if err := tx.Exec("SET LOCAL enable_seqscan = off").Error; err != nil {
			return err
		}
		return tx.Raw("EXPLAIN " + sql).Scan(&plan).Error
	})
	if err != nil {
		tb.Fatalf("EXPLAIN %s: %v", sql, err)
	}
	return strings.Join(plan, "\n")
}
