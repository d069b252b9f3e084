package gormdb_test

import (
	"context"
	"database/sql"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// zones are process time zones far from Vietnam's UTC+7 on both sides.
var zones = []string{"America/Los_Angeles", "Pacific/Kiritimati", "UTC"}

// envDateZone tells a child test process that it runs in a zone (TZ).
const envDateZone = "VANTHU_TEST_DATE_ZONE"

// inEveryZone runs the test named name again in a child process for each
// zone, with TZ set (so time.Local is that zone from the start), and
// reports the child's output when it fails. In the child it returns true:
// the caller then runs the test's body.
func inEveryZone(t *testing.T, name string) bool {
	t.Helper()
	if z := os.Getenv(envDateZone); z != "" {
		if time.Local.String() != z {
			t.Fatalf("TZ=%s but time.Local is %s", z, time.Local)
		}
		return true
	}
	for _, z := range zones {
		t.Run(z, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^"+name+"$", "-test.count=1", "-test.v")
			cmd.Env = append(os.Environ(), "TZ="+z, envDateZone+"="+z)
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "--- PASS: "+name) {
				t.Fatalf("in TZ=%s: %v\n%s", z, err, out)
			}
			for _, l := range strings.Split(string(out), "\n") {
				if strings.Contains(l, "SKIP") {
					t.Log(l)
				}
			}
		})
	}
	return false
}

// pgInZone returns a fresh PostgreSQL database whose sessions also run in
// the process's zone.
func pgInZone(t *testing.T) string {
	dsn := gormdbtest.CreatePostgresDatabase(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if u.RawQuery != "" {
		u.RawQuery += "&"
	}
	u.RawQuery += "timezone=" + time.Local.String() // the slash unescaped: pgx takes the value as written
	return u.String()
}

// TestDatesRoundTripInAnyZone stores calendar dates (a sender's date, a
// due date, an archived record's document date) and reads them back as
// the same days, with the process and the database session in time zones
// far from Vietnam, and finds the record by a one-day date range.
func TestDatesRoundTripInAnyZone(t *testing.T) {
	if !inEveryZone(t, "TestDatesRoundTripInAnyZone") {
		return
	}
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			dir, dsn := t.TempDir(), ""
			if backend == gormdb.Postgres {
				dsn = pgInZone(t)
			}
			db, err := gormdb.Open(ctx, dsn, dir, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if backend == gormdb.Postgres {
				var tz string
				if err := db.Gorm().Raw("SHOW timezone").Scan(&tz).Error; err != nil || tz != time.Local.String() {
					t.Fatalf("session time zone %q (%v), want %s", tz, err, time.Local)
				}
			}
			od, due, docDate := workflow.NewDate(2026, 11, 20), workflow.NewDate(2026, 12, 31), workflow.NewDate(2027, 1, 1)
			d := incomingDoc("dates", 0)
			d.OriginalDate, d.DueDate = &od, &due
			d.State = workflow.Archived
			create(t, db, d)
			got, err := db.Document(ctx, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.OriginalDate == nil || *got.OriginalDate != od || got.DueDate == nil || *got.DueDate != due {
				t.Fatalf("read back original_date %v due_date %v, want %v %v", got.OriginalDate, got.DueDate, od, due)
			}

			idx := gormdb.NewArchiveIndex(db)
			rec := &archive.Record{DocumentID: d.ID, Version: 1, Key: archive.Prefix(d.ID, 1), Class: "10y", ArchivedAt: t0,
				RetainUntil: t0.AddDate(10, 0, 0), Direction: d.Direction, Type: d.Type, Subject: d.Subject, DocDate: &docDate,
				Confidentiality: d.Confidentiality, CreatedBy: d.CreatedBy}
			if err := idx.PutRecord(ctx, rec); err != nil {
				t.Fatal(err)
			}
			r, err := idx.Record(ctx, d.ID)
			if err != nil || r.DocDate == nil || *r.DocDate != docDate {
				t.Fatalf("record document date %v (%v), want %v", r.DocDate, err, docDate)
			}
			for _, q := range []struct {
				from, to workflow.Date
				want     int
			}{
				{docDate, docDate, 1},
				{docDate.AddDays(1), docDate.AddDays(1), 0},
				{docDate.AddDays(-1), docDate.AddDays(-1), 0},
			} {
				recs, _, err := idx.Search(ctx, archive.Query{From: &q.from, To: &q.to, SeeAll: true})
				if err != nil || len(recs) != q.want {
					t.Errorf("search %v..%v: %d records (%v), want %d", q.from, q.to, len(recs), err, q.want)
				}
			}
		})
	}
}

// TestDatesMigrateLegacyTimestamps: databases written before dates had a
// type of their own hold instants (a date "2026-11-20" from the API was
// stored as 2026-11-19 17:00 UTC, midnight in Vietnam), and no
// schema_migrations table. Opening such a database turns them into their
// Vietnam calendar day, once (the baseline migration).
func TestDatesMigrateLegacyTimestamps(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			dir, dsn := t.TempDir(), ""
			if backend == gormdb.Postgres {
				dsn = gormdbtest.CreatePostgresDatabase(t)
			}
			open := func() *gormdb.DB {
				db, err := gormdb.Open(ctx, dsn, dir, slog.New(slog.DiscardHandler))
				if err != nil {
					t.Fatal(err)
				}
				return db
			}
			db := open()
			create(t, db, incomingDoc("legacy", 0))
			// The legacy schema and values, as the code before Date wrote them.
			g := db.Gorm()
			var stmts []string
			if backend == gormdb.Postgres {
				stmts = []string{
					`ALTER TABLE documents ALTER COLUMN original_date TYPE timestamptz USING original_date::timestamptz`,
					`ALTER TABLE documents ALTER COLUMN due_date TYPE timestamptz USING due_date::timestamptz`,
					`ALTER TABLE archive_records ALTER COLUMN doc_date TYPE timestamptz USING doc_date::timestamptz`,
					`UPDATE documents SET original_date = '2026-11-19 17:00:00+00', due_date = '2026-11-30 17:00:00+00'`,
					`DROP TABLE schema_migrations`,
				}
			} else {
				stmts = []string{`UPDATE documents SET original_date = '2026-11-19 17:00:00+00:00', due_date = '2026-11-30 17:00:00.123456+00:00'`,
					`DROP TABLE schema_migrations`}
			}
			for _, s := range stmts {
				if err := g.Exec(s).Error; err != nil {
					t.Fatalf("%s: %v", s, err)
				}
			}
			db.Close()

			for range 2 { // the migration runs at the first start and changes nothing the second time
				db = open()
				got, err := db.Document(ctx, "legacy")
				if err != nil {
					t.Fatal(err)
				}
				if got.OriginalDate == nil || *got.OriginalDate != workflow.NewDate(2026, 11, 20) ||
					got.DueDate == nil || *got.DueDate != workflow.NewDate(2026, 12, 1) {
					t.Errorf("after migration: original_date %v due_date %v, want 2026-11-20 and 2026-12-01", got.OriginalDate, got.DueDate)
				}
				var stored string
				q := `SELECT CAST(original_date AS TEXT) FROM documents WHERE id = 'legacy'`
				if err := db.Gorm().Raw(q).Scan(&stored).Error; err != nil {
					t.Fatal(err)
				}
				db.Close()
				if stored != "2026-11-20" {
					t.Errorf("stored as %q, want 2026-11-20", stored)
				}
			}
			if backend == gormdb.Postgres {
				adm, err := sql.Open("pgx", dsn)
				if err != nil {
					t.Fatal(err)
				}
				defer adm.Close()
				for _, c := range [][2]string{{"documents", "original_date"}, {"documents", "due_date"}, {"archive_records", "doc_date"}} {
					var typ string
					if err := adm.QueryRowContext(ctx, `SELECT data_type FROM information_schema.columns WHERE table_name = $1 AND column_name = $2`, c[0], c[1]).Scan(&typ); err != nil || typ != "date" {
						t.Errorf("%s.%s is %q (%v), want date", c[0], c[1], typ, err)
					}
				}
			}
		})
	}
}
