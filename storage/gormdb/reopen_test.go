package gormdb_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
)

// TestReopen opens the same database several times at once (several
// servers starting together) and again later: migrations are idempotent,
// serialised, and keep the data.
func TestReopen(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			dir, dsn := t.TempDir(), ""
			if backend == gormdb.Postgres {
				dsn = gormdbtest.CreatePostgresDatabase(t)
			}
			open := func() *gormdb.DB { // runs in goroutines: t.Errorf, not t.Fatal
				db, err := gormdb.Open(ctx, dsn, dir, slog.New(slog.NewTextHandler(t.Output(), nil)))
				if err != nil {
					t.Errorf("Open: %v", err)
				}
				return db
			}
			var wg sync.WaitGroup
			dbs := make([]*gormdb.DB, 4)
			for i := range dbs {
				wg.Go(func() { dbs[i] = open() })
			}
			wg.Wait()
			if t.Failed() {
				t.FailNow()
			}
			create(t, dbs[0], fullDocument())
			register(ctx, dbs[1], fullDocument().ID, 2026)
			for _, db := range dbs {
				db.Close()
			}

			db := open()
			defer db.Close()
			d, err := db.Document(ctx, fullDocument().ID)
			if err != nil {
				t.Fatal(err)
			}
			if d.Version != 8 || d.Number != 1 {
				t.Errorf("after reopening: version %d number %d", d.Version, d.Number)
			}
			verifyChain(t, db, 1)

			// Indexes the migration adds beside AutoMigrate's.
			want := []string{"documents_register_number"}
			q := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = ?`
			if backend == gormdb.Postgres {
				want = append(want, "documents_subject_norm_trgm")
				q = `SELECT COUNT(*) FROM pg_indexes WHERE indexname = ?`
			}
			for _, name := range want {
				var n int
				if err := db.Gorm().Raw(q, name).Scan(&n).Error; err != nil || n != 1 {
					t.Errorf("index %s: %d found, %v", name, n, err)
				}
			}
		})
	}
}
