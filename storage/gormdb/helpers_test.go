package gormdb_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

var t0 = time.Date(2026, 11, 20, 8, 30, 0, 123456000, time.UTC)

// incomingDoc returns a minimal incoming document with id, created i
// minutes after t0.
func incomingDoc(id string, i int) *workflow.Document {
	return &workflow.Document{
		ID:              id,
		Direction:       workflow.Incoming,
		Type:            workflow.CongVan,
		Subject:         "Văn bản " + id,
		Urgency:         workflow.UrgencyNormal,
		Confidentiality: workflow.Public,
		State:           workflow.Received,
		Version:         1,
		Sender:          &workflow.Org{OrgID: "000.00.00.H13", Name: "UBND thành phố Cần Thơ"},
		CreatedBy:       "u-clerk",
		CreatedAt:       t0.Add(time.Duration(i) * time.Minute),
		UpdatedAt:       t0.Add(time.Duration(i) * time.Minute),
	}
}

func create(tb testing.TB, db *gormdb.DB, docs ...*workflow.Document) {
	tb.Helper()
	err := db.Atomic(context.Background(), func(ctx context.Context, tx workflow.Tx) error {
		for _, d := range docs {
			if err := tx.CreateDocument(ctx, d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("create documents: %v", err)
	}
}

func wantCode(tb testing.TB, err error, code string) {
	tb.Helper()
	if got := workflow.ErrorCode(err); got != code {
		tb.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func docID(i int) string { return fmt.Sprintf("d%05d", i) }

// createAndRegister is one document's life step in one transaction:
// create d, take the next incoming number of 2026, register d with it
// (a guarded update) and append the registration's audit event. With
// lock, d is also locked (as a workflow action locks it) before the event.
func createAndRegister(ctx context.Context, db *gormdb.DB, d *workflow.Document, lock bool) error {
	return db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		if err := tx.CreateDocument(ctx, d); err != nil {
			return err
		}
		n, err := tx.NextNumber(ctx, workflow.RegisterIncoming, 2026)
		if err != nil {
			return err
		}
		next := *d
		next.State, next.Version, next.Register, next.Year, next.Number = workflow.Registered, 2, workflow.RegisterIncoming, 2026, n
		if err := tx.UpdateDocument(ctx, &next, 1); err != nil {
			return err
		}
		if lock {
			if _, err := tx.LockDocument(ctx, d.ID); err != nil {
				return err
			}
		}
		return tx.AppendEvent(ctx, &workflow.Event{DocumentID: d.ID, Actor: "u-clerk", Kind: workflow.EventTransition,
			Action: workflow.Register, From: workflow.Received, To: workflow.Registered, At: t0})
	})
}

// openAt connects a new, empty database on backend (a database of its
// own on PostgreSQL, a temporary folder for SQLite), logging to log (nil:
// discarded), and applies the migrations up to version only (0: none),
// as the code of that version left it. The database is closed when the
// test ends; its folder and DSN are returned for tests that reopen it.
func openAt(t *testing.T, backend string, version int, log *slog.Logger) (db *gormdb.DB, dir, dsn string) {
	t.Helper()
	ctx := context.Background()
	dir = t.TempDir()
	if backend == gormdb.Postgres {
		dsn = gormdbtest.CreatePostgresDatabase(t)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	db, err := gormdb.Connect(ctx, dsn, dir, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if version > 0 {
		if err := gormdb.MigrateUpTo(ctx, db, version); err != nil {
			t.Fatal(err)
		}
	}
	return db, dir, dsn
}

// openLogged opens a migrated database on backend whose warnings go to
// the buffer it returns: with SetSlowQueryThreshold(0), one "slow query"
// line per statement, which the statement-count tests count.
func openLogged(t *testing.T, backend string) (*gormdb.DB, *syncBuffer) {
	t.Helper()
	var dsn string
	if backend == gormdb.Postgres {
		dsn = gormdbtest.CreatePostgresDatabase(t)
	}
	buf := &syncBuffer{}
	db, err := gormdb.Open(context.Background(), dsn, t.TempDir(), slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, buf
}
