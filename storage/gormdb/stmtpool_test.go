package gormdb_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/workflow"
)

// TestSQLiteWriterPreparesOnce: on SQLite, the statements of a
// transaction are prepared once, after the first transaction that meets
// them, and every later transaction runs them prepared (gorm's own cache
// re-prepared every statement first met in a transaction, in every
// transaction).
func TestSQLiteWriterPreparesOnce(t *testing.T) {
	ctx := context.Background()
	db, err := gormdb.Open(ctx, "", filepath.Join(t.TempDir(), "data"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	life := func(i int) {
		t.Helper()
		d := incomingDoc(fmt.Sprintf("p%05d", i), i)
		err := createAndRegister(ctx, db, d, true)
		if err != nil {
			t.Fatal(err)
		}
	}
	life(0)
	p0, u0 := gormdb.WriterStatements(db)
	if u0 == 0 {
		t.Fatal("the first transaction ran no statement unprepared: is the writer's pool in use?")
	}
	for i := 1; i <= 20; i++ {
		life(i)
	}
	p1, u1 := gormdb.WriterStatements(db)
	if p1 != p0 || u1 != u0 {
		t.Errorf("after 20 more transactions: %d statements prepared (was %d), %d run unprepared (was %d); want no change", p1, p0, u1, u0)
	}
	// Nested transactions (savepoints) are not kept.
	err = db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		return db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error { return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	if p2, _ := gormdb.WriterStatements(db); p2 != p1 {
		t.Errorf("a savepoint's statements were kept: %d prepared, was %d", p2, p1)
	}
}
