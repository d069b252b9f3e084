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

// TestSQLiteReadersPrepareOnce: the SQLite readers prepare each statement
// once, on the first read that meets it, and run it prepared on every
// later read; when their connections close after every use, each new
// connection prepares the statements again and the reads still answer.
func TestSQLiteReadersPrepareOnce(t *testing.T) {
	ctx := context.Background()
	db, err := gormdb.Open(ctx, "", filepath.Join(t.TempDir(), "data"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	d := incomingDoc("r00001", 1)
	if err := createAndRegister(ctx, db, d, false); err != nil {
		t.Fatal(err)
	}
	read := func() {
		t.Helper()
		got, err := db.Document(ctx, d.ID)
		if err != nil || got.Number != 1 {
			t.Fatalf("document: %+v %v", got, err)
		}
		if evs, err := db.Events(ctx, d.ID); err != nil || len(evs) != 1 {
			t.Fatalf("events: %v %v", evs, err)
		}
		if _, _, err := db.Documents(ctx, workflow.DocumentFilter{Limit: 10}); err != nil {
			t.Fatal(err)
		}
	}
	read()
	p0, u0 := gormdb.ReaderStatements(db)
	if p0 == 0 {
		t.Fatal("no statement prepared on the readers: is their pool in use?")
	}
	for range 20 {
		read()
	}
	if p1, u1 := gormdb.ReaderStatements(db); p1 != p0 || u1 != u0 {
		t.Errorf("after 20 more reads: %d statements prepared (was %d), %d run unprepared (was %d); want no change", p1, p0, u1, u0)
	}
	gormdb.ReaderPool(db).SetMaxIdleConns(0) // every connection closes after its read
	for range 5 {
		read()
	}
	if p2, _ := gormdb.ReaderStatements(db); p2 != p0 {
		t.Errorf("closed connections: %d statements prepared on the database, was %d (each connection prepares its own)", p2, p0)
	}
}
