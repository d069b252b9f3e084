// Package gormdbtest opens fresh gormdb databases for tests: a SQLite file
// in a temporary directory, and — when VANTHU_TEST_DATABASE_URL names a
// PostgreSQL server (scripts/setup/postgres.sh starts one) — a uniquely
// named PostgreSQL database created for the test and dropped after it.
package gormdbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"log/slog"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx" for the admin connection

	"github.com/vanthu/vanthu/storage/gormdb"
)

// EnvDatabaseURL names the variable holding the PostgreSQL admin URL.
const EnvDatabaseURL = "VANTHU_TEST_DATABASE_URL"

// Backends are the database kinds Run runs on.
var Backends = []string{gormdb.SQLite, gormdb.Postgres}

// Run runs fn as one subtest per backend ("sqlite", "postgres"), each on a
// fresh database. The postgres subtest is skipped, with a message saying
// so, when VANTHU_TEST_DATABASE_URL is unset.
func Run(t *testing.T, fn func(t *testing.T, db *gormdb.DB)) {
	t.Helper()
	for _, b := range Backends {
		t.Run(b, func(t *testing.T) {
			fn(t, Open(t, b))
		})
	}
}

// Open returns a fresh, migrated database of the backend, closed (and on
// PostgreSQL dropped) when the test ends.
func Open(tb testing.TB, backend string) *gormdb.DB {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	logger := slog.New(slog.NewTextHandler(tb.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	var dsn string
	switch backend {
	case gormdb.SQLite:
	case gormdb.Postgres:
		dsn = CreatePostgresDatabase(tb)
	default:
		tb.Fatalf("gormdbtest: unknown backend %q", backend)
	}
	db, err := gormdb.Open(ctx, dsn, tb.TempDir(), logger)
	if err != nil {
		tb.Fatalf("gormdb.Open(%s): %v", backend, err)
	}
	tb.Cleanup(func() { db.Close() }) // runs before the database is dropped
	return db
}

// OpenInstances returns n databases of the backend opened on one fresh
// database (one SQLite file, or one PostgreSQL database), as n servers
// sharing it would open it; each is closed when the test ends.
func OpenInstances(tb testing.TB, backend string, n int) []*gormdb.DB {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir, dsn := tb.TempDir(), ""
	if backend == gormdb.Postgres {
		dsn = CreatePostgresDatabase(tb)
	}
	logger := slog.New(slog.NewTextHandler(tb.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	dbs := make([]*gormdb.DB, n)
	for i := range dbs {
		db, err := gormdb.Open(ctx, dsn, dir, logger)
		if err != nil {
			tb.Fatalf("gormdb.Open(%s), instance %d: %v", backend, i+1, err)
		}
		tb.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	return dbs
}

// CreatePostgresDatabase creates an empty database named for the test on
// the server of VANTHU_TEST_DATABASE_URL, drops it when the test ends, and
// returns its URL. It skips the test when the variable is unset.
func CreatePostgresDatabase(tb testing.TB) string {
	tb.Helper()
	admin := os.Getenv(EnvDatabaseURL)
	if admin == "" {
		tb.Skipf("%s is not set: skipping the PostgreSQL run (source scripts/setup/postgres.sh, or run ./scripts/test)", EnvDatabaseURL)
	}
	u, err := url.Parse(admin)
	if err != nil {
		tb.Fatalf("%s: %v", EnvDatabaseURL, err)
	}
	var rnd [6]byte
	rand.Read(rnd[:])
	name := "vanthu_test_" + hex.EncodeToString(rnd[:])

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	adm, err := sql.Open("pgx", admin)
	if err != nil {
		tb.Fatalf("connect to %s: %v", EnvDatabaseURL, err)
	}
	defer adm.Close()
	if _, err := adm.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("create test database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		adm, err := sql.Open("pgx", admin)
		if err != nil {
			tb.Errorf("drop test database %s: %v", name, err)
			return
		}
		defer adm.Close()
		if _, err := adm.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Errorf("drop test database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}
