package gormdb_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/vanthu/vanthu/storage/gormdb"
)

// TestOpenSQLite checks where the file goes and how it is configured.
func TestOpenSQLite(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "dữ liệu #1 50%", "new")
	db, err := gormdb.Open(ctx, "", dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := os.Stat(filepath.Join(dir, "vanthu.db")); err != nil {
		t.Errorf("database file not in the data directory: %v", err)
	}
	for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "10000"} {
		var got string
		if err := db.Gorm().Raw("PRAGMA " + pragma).Scan(&got).Error; err != nil || got != want {
			t.Errorf("PRAGMA %s = %q (%v), want %q", pragma, got, err, want)
		}
	}
	if got := db.Dialect(); got != gormdb.SQLite {
		t.Errorf("Dialect() = %q", got)
	}
	sqlDB, _ := db.Gorm().DB()
	if n := sqlDB.Stats().MaxOpenConnections; n != 1 {
		t.Errorf("MaxOpenConnections = %d, want 1", n)
	}
}
