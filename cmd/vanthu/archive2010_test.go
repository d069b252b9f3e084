package main

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/vanthu/vanthu/archive/archivetest"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/workflow"
)

// archive2010 is what inArchive2010 gives the disposal tests' set-up:
// archivetest's fixture over an installation's database and stores, the
// archive's clock at 1 March 2010 and five years' retention, so the
// records it archives now have expired by 2016.
type archive2010 struct {
	*archivetest.Fixture
	DB    *gormdb.DB
	Store workflow.Blobs // the archive's store ("archive")
	// Later moves the archive's clock to 1 June 2016, when the records
	// archived before may be destroyed.
	Later func()
}

// inArchive2010 opens the installation of env (its database, its work
// and archive stores, as the CLI does: SQLite and a local folder, or
// PostgreSQL and S3) and gives fn the archive of 2010 over it, its
// disposal lists in the database; the database is closed when fn
// returns, before the test runs the CLI on it.
// TestArchiveDisposalsCLI and TestIntegrationBackupRestoreDisposed set up
// their installations with it.
func inArchive2010(t *testing.T, env map[string]string, fn func(a archive2010)) {
	t.Helper()
	ctx := context.Background()
	cfg := mustConfig(t, env)
	db, err := gormdb.Open(ctx, cfg.DatabaseURL, cfg.DataDir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	work, err := openStore(ctx, cfg, "work")
	if err != nil {
		t.Fatal(err)
	}
	store, err := openStore(ctx, cfg, "archive")
	if err != nil {
		t.Fatal(err)
	}
	f := archivetest.New(t, db, store)
	f.Work, f.Archive.Work, f.Docs.Blobs = work, work, work
	now := time.Date(2010, 3, 1, 2, 0, 0, 0, time.UTC)
	f.Archive.Now = func() time.Time { return now }
	f.Archive.Retain = func(_ string, at time.Time) (time.Time, error) { return at.AddDate(5, 0, 0), nil }
	f.Archive.Disposals = db
	fn(archive2010{Fixture: f, DB: db, Store: store, Later: func() { now = time.Date(2016, 6, 1, 2, 0, 0, 0, time.UTC) }})
}
