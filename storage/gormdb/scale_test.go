package gormdb_test

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// The size benchmarks (BenchmarkAtSize*) run against a database with
// years of history (gormdbtest.SeedHistory): -scale.docs documents, or
// VANTHU_SCALE_DOCS. Seeding 300,000 takes minutes, so a seeded
// database can be kept and reused: VANTHU_SCALE_PG names a PostgreSQL
// database and VANTHU_SCALE_SQLITE a directory, each seeded on first use
// when it holds no document.
var scaleDocs = flag.Int("scale.docs", 0, "documents of history the BenchmarkAtSize benchmarks seed (0: VANTHU_SCALE_DOCS, else skipped)")

// scaleEnd is the end of the seeded history: the benchmarks' "now".
var scaleEnd = time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC)

func scaleSize(tb testing.TB) int {
	tb.Helper()
	n := *scaleDocs
	if n == 0 {
		if v := os.Getenv("VANTHU_SCALE_DOCS"); v != "" {
			if _, err := fmt.Sscan(v, &n); err != nil {
				tb.Fatalf("VANTHU_SCALE_DOCS=%q: %v", v, err)
			}
		}
	}
	if n == 0 || testing.Short() {
		tb.Skip("no size given: -scale.docs N or VANTHU_SCALE_DOCS=N (not in -short)")
	}
	return n
}

// scaleDB returns a database of backend holding n documents of history.
func scaleDB(tb testing.TB, backend string, n int) *gormdb.DB {
	tb.Helper()
	ctx := context.Background()
	var db *gormdb.DB
	keep := map[string]string{gormdb.Postgres: os.Getenv("VANTHU_SCALE_PG"), gormdb.SQLite: os.Getenv("VANTHU_SCALE_SQLITE")}[backend]
	if keep == "" {
		db = gormdbtest.Open(tb, backend)
	} else {
		dsn, dir := keep, tb.TempDir()
		if backend == gormdb.SQLite {
			dsn, dir = "", keep
		}
		log := slog.New(slog.DiscardHandler)
		if os.Getenv("VANTHU_SCALE_LOG") != "" { // every statement, with its time
			log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug - 4}))
		}
		var err error
		db, err = gormdb.Open(ctx, dsn, dir, log)
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { db.Close() })
	}
	var have int64
	if err := db.Gorm().Raw("SELECT count(*) FROM documents").Scan(&have).Error; err != nil {
		tb.Fatal(err)
	}
	if have == 0 {
		start := time.Now()
		if err := gormdbtest.SeedHistory(ctx, db, gormdbtest.History{Docs: n, Years: 6, End: scaleEnd, Seed: 1}); err != nil {
			tb.Fatal(err)
		}
		db.Gorm().Exec("ANALYZE")
		tb.Logf("seeded %d documents on %s in %s", n, backend, time.Since(start).Round(time.Second))
	} else if int(have) < n/2 {
		tb.Logf("%s holds %d documents (asked %d): using it as it is", keep, have, n)
	}
	return db
}

// TestSeedHistory seeds the kept databases (VANTHU_SCALE_PG,
// VANTHU_SCALE_SQLITE) when a size is given; otherwise skipped.
func TestSeedHistory(t *testing.T) {
	n := scaleSize(t)
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) { scaleDB(t, backend, n) })
	}
}

// scaleRead is one read a user or a job does often, at size.
type scaleRead struct {
	name string
	fn   func(ctx context.Context, db *gormdb.DB) error
}

func user(id string, role workflow.Role) *workflow.User {
	return &workflow.User{ID: id, Username: id, Roles: []workflow.Role{role}}
}

func listRead(name string, f workflow.DocumentFilter) scaleRead {
	return scaleRead{name, func(ctx context.Context, db *gormdb.DB) error {
		if f.Limit == 0 {
			f.Limit = 50
		}
		_, _, err := db.Documents(ctx, f)
		return err
	}}
}

func inboxRead(name string, u *workflow.User) scaleRead {
	return scaleRead{name, func(ctx context.Context, db *gormdb.DB) error {
		q := workflow.WorkQuery{Clauses: workflow.WorkClauses(u), ViewerID: u.ID, SeeAll: workflow.SeesAllClassified(u), Limit: 100}
		if _, err := db.CountWork(ctx, q); err != nil {
			return err
		}
		_, err := db.Work(ctx, q)
		return err
	}}
}

func tp(t time.Time) *time.Time { return &t }

// scaleReads are the reads measured at size.
var scaleReads = func() []scaleRead {
	handler, clerk := gormdbtest.HistoryHandlers[3], gormdbtest.HistoryClerks[0]
	y25 := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	return []scaleRead{
		listRead("list/all", workflow.DocumentFilter{SeeAll: true}),
		listRead("list/handler", workflow.DocumentFilter{ViewerID: handler}),
		listRead("list/direction", workflow.DocumentFilter{Direction: workflow.Incoming, SeeAll: true}),
		listRead("list/state-rare", workflow.DocumentFilter{State: workflow.InReview, SeeAll: true}),
		listRead("list/direction-state-rare", workflow.DocumentFilter{Direction: workflow.Outgoing, State: workflow.Approved, SeeAll: true}),
		listRead("list/handler-state-rare", workflow.DocumentFilter{Direction: workflow.Incoming, State: workflow.Assigned, ViewerID: handler}),
		listRead("list/state-rejected", workflow.DocumentFilter{Direction: workflow.Incoming, State: workflow.Rejected, SeeAll: true}),
		listRead("list/type-rare", workflow.DocumentFilter{Type: "CT", SeeAll: true}),
		listRead("list/direction-type", workflow.DocumentFilter{Direction: workflow.Outgoing, Type: "QĐ", SeeAll: true}),
		listRead("list/query", workflow.DocumentFilter{Query: "binh thuy", SeeAll: true}),
		listRead("list/query-none", workflow.DocumentFilter{Query: "khong co dau", SeeAll: true}),
		// Of the 300,000 subjects seeded, 15 hold the five words, 1,076 the
		// three, 5,016 "binh" and "thuy"; every one holds "việc".
		listRead("list/query-few", workflow.DocumentFilter{Query: "thuế ngân sách bệnh viện", SeeAll: true}),
		listRead("list/query-few-handler", workflow.DocumentFilter{Query: "thuế ngân sách bệnh viện", ViewerID: handler}),
		listRead("list/query-some", workflow.DocumentFilter{Query: "nông thôn mới", SeeAll: true}),
		listRead("list/query-every", workflow.DocumentFilter{Query: "việc", SeeAll: true}),
		listRead("list/query-every-state", workflow.DocumentFilter{Query: "viec", Direction: workflow.Incoming, State: workflow.Archived, SeeAll: true}),
		listRead("list/dates-old-month", workflow.DocumentFilter{From: tp(y25), To: tp(y25.AddDate(0, 1, 0)), SeeAll: true}),
		listRead("list/dates-first-year-month", workflow.DocumentFilter{From: tp(time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)), To: tp(time.Date(2021, 4, 1, 0, 0, 0, 0, time.UTC)), SeeAll: true}),
		listRead("list/direction-dates-old", workflow.DocumentFilter{Direction: workflow.Incoming, From: tp(y25), To: tp(y25.AddDate(0, 1, 0)), SeeAll: true}),
		listRead("list/dates-year", workflow.DocumentFilter{From: tp(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)), To: tp(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), SeeAll: true}),
		listRead("list/direction-dates-first-year", workflow.DocumentFilter{Direction: workflow.Outgoing, From: tp(time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)), To: tp(time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)), SeeAll: true}),
		listRead("list/state-dates-old-month", workflow.DocumentFilter{State: workflow.Archived, From: tp(y25), To: tp(y25.AddDate(0, 1, 0)), SeeAll: true}),
		listRead("list/query-dates-old-month", workflow.DocumentFilter{Query: "binh thuy", From: tp(y25), To: tp(y25.AddDate(0, 1, 0)), SeeAll: true}),
		// What an official signed this week and a month five years back (her
		// view), what a clerk issued this month: web "Văn bản tôi đã ký / đã
		// phát hành".
		listRead("list/signed-by-week", workflow.DocumentFilter{Signed: workflow.Act{By: gormdbtest.HistoryOfficers[0], From: tp(scaleEnd.AddDate(0, 0, -7)), To: tp(scaleEnd)}, ViewerID: gormdbtest.HistoryOfficers[0]}),
		listRead("list/signed-by-old-month", workflow.DocumentFilter{Signed: workflow.Act{By: gormdbtest.HistoryOfficers[0], From: tp(y25), To: tp(y25.AddDate(0, 1, 0))}, ViewerID: gormdbtest.HistoryOfficers[0]}),
		listRead("list/issued-by-month", workflow.DocumentFilter{Issued: workflow.Act{By: clerk, From: tp(scaleEnd.AddDate(0, -1, 0)), To: tp(scaleEnd)}, ViewerID: clerk}),
		listRead("list/deep-cursor", workflow.DocumentFilter{After: workflow.ListCursor{At: y25, ID: "0"}.String(), SeeAll: true}),
		inboxRead("inbox/handler", user(handler, workflow.RoleHandler)),
		inboxRead("inbox/officer", user(gormdbtest.HistoryOfficers[0], workflow.RoleOfficer)),
		inboxRead("inbox/clerk", user(clerk, workflow.RoleClerk)),
		{"register/incoming-year", func(ctx context.Context, db *gormdb.DB) error {
			_, err := db.RegisterEntries(ctx, workflow.RegisterIncoming, 2025)
			return err
		}},
		registerRead("register/incoming-year-rows", 0, false),
		// The month as it was read before documents_register_date: the
		// year's lines, then RowsInMonth.
		registerRead("register/incoming-month-from-year", time.March, true),
		registerRead("register/incoming-month-rows", time.March, false),
		{"report/reform-year", func(ctx context.Context, db *gormdb.DB) error {
			_, err := db.ReformCounts(ctx, workflow.ReformFilter{From: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), SeeAll: true})
			return err
		}},
		{"report/reform-month-officer", func(ctx context.Context, db *gormdb.DB) error {
			_, err := db.ReformCounts(ctx, workflow.ReformFilter{From: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), ViewerID: gormdbtest.HistoryOfficers[1]})
			return err
		}},
		{"archive/search-word", func(ctx context.Context, db *gormdb.DB) error {
			_, _, err := gormdb.NewArchiveIndex(db).Search(ctx, workflow.ArchiveQuery{Q: "binh thuy", SeeAll: true})
			return err
		}},
		{"archive/search-number", func(ctx context.Context, db *gormdb.DB) error {
			_, _, err := gormdb.NewArchiveIndex(db).Search(ctx, workflow.ArchiveQuery{Number: 1234, SeeAll: true})
			return err
		}},
		{"archive/search-notation", func(ctx context.Context, db *gormdb.DB) error {
			_, _, err := gormdb.NewArchiveIndex(db).Search(ctx, workflow.ArchiveQuery{Notation: "1234/QĐ", SeeAll: true})
			return err
		}},
		{"archive/search-dates", func(ctx context.Context, db *gormdb.DB) error {
			from, to := workflow.VietnamDate(y25), workflow.VietnamDate(y25.AddDate(0, 1, 0))
			_, _, err := gormdb.NewArchiveIndex(db).Search(ctx, workflow.ArchiveQuery{From: &from, To: &to, SeeAll: true})
			return err
		}},
		{"job/evidence-due", func(ctx context.Context, db *gormdb.DB) error {
			_, err := gormdb.NewArchiveIndex(db).EvidenceDue(ctx, scaleEnd, "", 100)
			return err
		}},
		{"job/claim-deliveries", func(ctx context.Context, db *gormdb.DB) error {
			_, err := db.ClaimDeliveries(ctx, scaleEnd, time.Minute, 10)
			return err
		}},
		{"admin/queue", func(ctx context.Context, db *gormdb.DB) error {
			if _, err := db.QueueCounts(ctx); err != nil {
				return err
			}
			_, err := db.RecentDeliveries(ctx, []workflow.DeliveryState{workflow.DeliveryFailed}, 50)
			return err
		}},
		{"doc/events", func(ctx context.Context, db *gormdb.DB) error {
			_, err := db.Events(ctx, fmt.Sprintf("%013x%08x", time.Date(2024, 5, 5, 0, 0, 0, 0, time.UTC).UnixMicro(), 1))
			return err
		}},
	}
}()

// BenchmarkAtSize times each read of scaleReads on a database with years
// of history (see scaleSize).
func BenchmarkAtSize(b *testing.B) {
	n := scaleSize(b)
	for _, backend := range gormdbtest.Backends {
		b.Run(backend, func(b *testing.B) {
			db := scaleDB(b, backend, n)
			ctx := context.Background()
			for _, r := range scaleReads {
				b.Run(r.name, func(b *testing.B) {
					for b.Loop() {
						if err := r.fn(ctx, db); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}

// BenchmarkAtSizeJobs times the jobs that read every row at size — the
// audit chain's verification, the blob collector's references, the
// fixity walk of the archived objects — and reports the largest heap
// each reached (heap-MB, sampled every 10,000 rows after a collection):
// they stream, so it must not grow with the tables.
func BenchmarkAtSizeJobs(b *testing.B) {
	n := scaleSize(b)
	for _, backend := range gormdbtest.Backends {
		b.Run(backend, func(b *testing.B) {
			db := scaleDB(b, backend, n)
			ctx := context.Background()
			jobs := []struct {
				name string
				fn   func(tick func()) error
			}{
				{"audit-verify", func(tick func()) error { // VerifyAudit's walk: the stored rows
					var v workflow.ChainVerifier
					err := db.WalkStoredEvents(ctx, func(s *workflow.StoredEvent) error {
						_, err := v.AddStored(s)
						tick()
						return err
					})
					if r := v.Report(); !r.OK {
						b.Errorf("chain: %+v", r)
					}
					return err
				}},
				{"blob-references", func(tick func()) error {
					return db.ReferencedBlobs(ctx, func(string) error { tick(); return nil })
				}},
				{"blob-references-as-collected", func(tick func()) error { // blobgc keeps them in a map
					refs := map[string]bool{}
					err := db.ReferencedBlobs(ctx, func(sum string) error { refs[sum] = true; tick(); return nil })
					runtime.KeepAlive(refs)
					return err
				}},
				// The CSV of register incoming 2025: as it was (the year's
				// lines read at once, then written) and as it is (a page
				// of documents at a time).
				{"register-year-whole", func(tick func()) error {
					rows, err := (&workflow.Service{Repo: db}).RegisterRows(ctx, scaleClerk(), workflow.RegisterIncoming, 2025, 0)
					for range rows {
						tick()
					}
					return err
				}},
				{"register-year-pages", func(tick func()) error {
					return (&workflow.Service{Repo: db}).EachRegisterRows(ctx, scaleClerk(), workflow.RegisterIncoming, 2025, 0, func(rows []workflow.RegisterRow) error {
						for range rows {
							tick()
						}
						return nil
					})
				}},
				{"fixity-walk", func(tick func()) error {
					return gormdb.NewArchiveIndex(db).WalkObjects(ctx, func(workflow.ArchiveObject) error { tick(); return nil })
				}},
			}
			for _, j := range jobs {
				b.Run(j.name, func(b *testing.B) {
					var peak uint64
					for b.Loop() {
						runtime.GC()
						rows := 0
						var ms runtime.MemStats
						err := j.fn(func() {
							if rows++; rows%10000 == 0 {
								runtime.ReadMemStats(&ms)
								peak = max(peak, ms.HeapAlloc)
							}
						})
						if err != nil {
							b.Fatal(err)
						}
						b.ReportMetric(float64(rows), "rows")
					}
					b.ReportMetric(float64(peak)/(1<<20), "heap-MB")
				})
			}
		})
	}
}

// registerRead reads the lines of register incoming 2025 as a clerk
// through workflow.RegisterRows (the API's and the web pages' read), of
// month m (0: the year); fromYear reads the year and filters it.
func registerRead(name string, m time.Month, fromYear bool) scaleRead {
	clerk := scaleClerk()
	return scaleRead{name, func(ctx context.Context, db *gormdb.DB) error {
		svc := &workflow.Service{Repo: db}
		if !fromYear {
			_, err := svc.RegisterRows(ctx, clerk, workflow.RegisterIncoming, 2025, m)
			return err
		}
		rows, err := svc.RegisterRows(ctx, clerk, workflow.RegisterIncoming, 2025, 0)
		_ = workflow.RowsInMonth(rows, m)
		return err
	}}
}

// scaleClerk is a clerk of the seeded history.
func scaleClerk() *workflow.User {
	return &workflow.User{ID: gormdbtest.HistoryClerks[0], Roles: []workflow.Role{workflow.RoleClerk}}
}
