package gormdb_test

import (
	"context"
	"errors"
	"testing"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// TestAtomicAfterCommit: a function registered with the Tx's AfterCommit
// runs once the outermost transaction has committed — it sees the
// transaction's writes from outside it — and never when the transaction,
// or the savepoint it was registered in, rolls back.
func TestAtomicAfterCommit(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		var ran []string
		hook := func(name, docID string) func() {
			return func() {
				// Outside the transaction: the pool (the read pool on SQLite).
				_, err := db.Document(context.Background(), docID)
				if err != nil {
					t.Errorf("%s: the document is not visible after the commit: %v", name, err)
				}
				ran = append(ran, name)
			}
		}
		register := func(tx workflow.Tx, fn func()) {
			ac, ok := tx.(workflow.AfterCommitter)
			if !ok {
				t.Fatalf("%T is not a workflow.AfterCommitter", tx)
			}
			ac.AfterCommit(fn)
		}
		boom := errors.New("boom")
		err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
			if err := tx.CreateDocument(ctx, incomingDoc("c1", 0)); err != nil {
				return err
			}
			register(tx, hook("outer", "c1"))
			// A savepoint that commits: its function waits for the outer commit.
			if err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				register(tx, hook("nested", "c1"))
				return nil
			}); err != nil {
				return err
			}
			// A savepoint that rolls back: its function never runs.
			if err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				register(tx, func() { ran = append(ran, "rolled-back savepoint") })
				return boom
			}); !errors.Is(err, boom) {
				t.Errorf("nested Atomic: %v, want boom", err)
			}
			if len(ran) != 0 {
				t.Errorf("ran %v inside the transaction", ran)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(ran) != 2 || ran[0] != "outer" || ran[1] != "nested" {
			t.Errorf("ran %v, want [outer nested]", ran)
		}
		ran = nil
		err = db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
			register(tx, func() { ran = append(ran, "rolled back") })
			return boom
		})
		if !errors.Is(err, boom) || len(ran) != 0 {
			t.Errorf("rolled-back transaction: err %v, ran %v", err, ran)
		}
	})
}
