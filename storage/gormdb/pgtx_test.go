package gormdb_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// TestTransactionFirstStatement: on PostgreSQL BEGIN goes with a
// transaction's first statement (a write, or a document read). Whatever
// that statement is, the transaction is one: rolled back by an error, a
// panic, or a first statement that failed (what follows fails too and
// nothing commits); an empty one commits nothing and fails nothing.
func TestTransactionFirstStatement(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		create(t, db, incomingDoc("kept", 0))
		missing := func(id string) {
			t.Helper()
			if _, err := db.Document(ctx, id); workflow.ErrorCode(err) != workflow.ENOTFOUND {
				t.Errorf("document %s after a rolled-back transaction: %v, want ENOTFOUND", id, err)
			}
		}
		boom := errors.New("boom")
		t.Run("ErrorAfterWrite", func(t *testing.T) {
			err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				if err := tx.CreateDocument(ctx, incomingDoc("w1", 1)); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("Atomic = %v, want boom", err)
			}
			missing("w1")
		})
		t.Run("ErrorAfterRead", func(t *testing.T) {
			err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				d, err := tx.LockDocument(ctx, "kept")
				if err != nil {
					return err
				}
				d.Notes, d.Version = "changed", d.Version+1
				if err := tx.UpdateDocument(ctx, d, d.Version-1); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("Atomic = %v, want boom", err)
			}
			if d, err := db.Document(ctx, "kept"); err != nil || d.Notes != "" || d.Version != 1 {
				t.Fatalf("document after a rolled-back update: %+v, %v", d, err)
			}
		})
		t.Run("Panic", func(t *testing.T) {
			func() {
				defer func() { _ = recover() }()
				_ = db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
					if err := tx.CreateDocument(ctx, incomingDoc("p1", 1)); err != nil {
						return err
					}
					panic(boom)
				})
			}()
			missing("p1")
		})
		failedFirst := func(t *testing.T) {
			err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				if err := tx.CreateDocument(ctx, incomingDoc("kept", 1)); workflow.ErrorCode(err) != workflow.ECONFLICT {
					t.Errorf("duplicate document: %v, want ECONFLICT", err)
				}
				_ = tx.CreateDocument(ctx, incomingDoc("f2", 2)) // the error is ignored: the commit must fail
				return nil
			})
			if err == nil {
				t.Fatal("a transaction whose first statement failed committed")
			}
			missing("f2")
		}
		if db.Dialect() == gormdb.Postgres { // on SQLite a failed statement leaves its transaction going
			t.Run("FailedFirstStatement", failedFirst)
		}
		t.Run("SavepointFirst", func(t *testing.T) {
			err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				inner := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
					if err := tx.CreateDocument(ctx, incomingDoc("s1", 1)); err != nil {
						return err
					}
					return boom
				})
				if !errors.Is(inner, boom) {
					t.Errorf("nested Atomic = %v, want boom", inner)
				}
				return tx.CreateDocument(ctx, incomingDoc("s2", 2))
			})
			if err != nil {
				t.Fatal(err)
			}
			missing("s1")
			if _, err := db.Document(ctx, "s2"); err != nil {
				t.Errorf("document written after a rolled-back savepoint: %v", err)
			}
		})
		t.Run("Empty", func(t *testing.T) {
			if err := db.Atomic(ctx, func(context.Context, workflow.Tx) error { return nil }); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("OK", func(t *testing.T) {
			err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				d, err := tx.LockDocument(ctx, "kept")
				if err != nil {
					return err
				}
				d.Notes, d.Version = "changed", d.Version+1
				return tx.UpdateDocument(ctx, d, d.Version-1)
			})
			if err != nil {
				t.Fatal(err)
			}
			if d, err := db.Document(ctx, "kept"); err != nil || d.Notes != "changed" || d.Version != 2 {
				t.Fatalf("document after the update: %+v, %v", d, err)
			}
		})
	})
}

// TestLastWriteReservation: a reservation written as its transaction's
// last write (on PostgreSQL sent with COMMIT) commits with what came
// before it; one whose number is taken fails with ECONFLICT and commits
// nothing, the write before it included.
func TestLastWriteReservation(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		reserve := func(id, doc string, n int) error {
			return db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				if err := tx.CreateDocument(ctx, incomingDoc(doc, n)); err != nil {
					return err
				}
				return tx.CreateReservation(workflow.WithLastWrite(ctx), &workflow.Reservation{ID: id, Register: workflow.RegisterOutgoing,
					Year: 2026, Number: n, Notation: fmt.Sprint(n), DocumentID: doc, Actor: "u", State: workflow.NumberReserved, CreatedAt: t0})
			})
		}
		if err := reserve("r1", "d1", 1); err != nil {
			t.Fatal(err)
		}
		wantCode(t, reserve("r2", "d2", 1), workflow.ECONFLICT)
		got, err := db.ReservationsOf(ctx, workflow.RegisterOutgoing, 2026)
		if err != nil || len(got) != 1 || got[0].ID != "r1" || got[0].DocumentID != "d1" {
			t.Fatalf("reservations %+v, %v: want r1 alone", got, err)
		}
		if _, err := db.Document(ctx, "d1"); err != nil {
			t.Fatalf("document written before the last write: %v", err)
		}
		if _, err := db.Document(ctx, "d2"); workflow.ErrorCode(err) != workflow.ENOTFOUND {
			t.Fatalf("document of the failed transaction: %v, want ENOTFOUND", err)
		}
	})
}
