package gormdb_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// register numbers document id in its own transaction, the way the
// service does: lock, number, guarded update, audit event.
func register(ctx context.Context, db *gormdb.DB, id string, year int) error {
	return db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		d, err := tx.LockDocument(ctx, id)
		if err != nil {
			return err
		}
		n, err := tx.NextNumber(ctx, workflow.RegisterIncoming, year)
		if err != nil {
			return err
		}
		prev := d.Version
		d.State, d.Version = workflow.Registered, d.Version+1
		d.Register, d.Year, d.Number = workflow.RegisterIncoming, year, n
		if err := tx.UpdateDocument(ctx, d, prev); err != nil {
			return err
		}
		return tx.AppendEvent(ctx, &workflow.Event{
			DocumentID: id, Actor: "u-clerk", Kind: workflow.EventTransition, Action: workflow.Register,
			From: workflow.Received, To: workflow.Registered, At: t0, Data: map[string]string{"number": string(rune('0' + n%10))},
		})
	})
}

func TestNextNumberConcurrent(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		const n = 200
		var docs []*workflow.Document
		for i := range n {
			docs = append(docs, incomingDoc(docID(i), i))
		}
		create(t, db, docs...)

		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() { errs[i] = register(ctx, db, docID(i), 2026) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("register %s: %v", docID(i), err)
			}
		}

		entries, err := db.RegisterEntries(ctx, workflow.RegisterIncoming, 2026)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != n {
			t.Fatalf("%d register entries, want %d", len(entries), n)
		}
		seen := map[string]bool{}
		for i, d := range entries {
			if d.Number != i+1 {
				t.Fatalf("entry %d has number %d: numbers are not exactly 1..%d", i, d.Number, n)
			}
			if seen[d.ID] || d.State != workflow.Registered || d.Version != 2 {
				t.Errorf("entry %d: %s state %s version %d (seen before: %v)", i, d.ID, d.State, d.Version, seen[d.ID])
			}
			seen[d.ID] = true
		}
		// Checked again with plain SQL, not through our reader.
		var count, distinct, min, max int
		row := db.Gorm().Raw(`SELECT COUNT(*), COUNT(DISTINCT number), MIN(number), MAX(number) FROM documents WHERE register = 'incoming' AND year = 2026`).Row()
		if err := row.Scan(&count, &distinct, &min, &max); err != nil {
			t.Fatal(err)
		}
		if count != n || distinct != n || min != 1 || max != n {
			t.Errorf("SQL: count %d distinct %d min %d max %d", count, distinct, min, max)
		}
		verifyChain(t, db, n)
	})
}

func TestNextNumber(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		take := func(kind workflow.RegisterKind, year int) int {
			t.Helper()
			var n int
			err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) (err error) {
				n, err = tx.NextNumber(ctx, kind, year)
				return err
			})
			if err != nil {
				t.Fatalf("NextNumber(%s, %d): %v", kind, year, err)
			}
			return n
		}
		t.Run("PerKindAndYear", func(t *testing.T) {
			steps := []struct {
				kind workflow.RegisterKind
				year int
				want int
			}{
				{workflow.RegisterOutgoing, 2026, 1},
				{workflow.RegisterOutgoing, 2026, 2},
				{workflow.RegisterIncoming, 2026, 1},
				{workflow.RegisterConfidential, 2026, 1},
				{workflow.RegisterOutgoing, 2027, 1},
				{workflow.RegisterOutgoing, 2026, 3},
				{workflow.RegisterConfidential, 2026, 2},
				{workflow.RegisterOutgoing, 2027, 2},
				{workflow.RegisterIncoming, 2025, 1},
			}
			for _, s := range steps {
				if got := take(s.kind, s.year); got != s.want {
					t.Errorf("NextNumber(%s, %d) = %d, want %d", s.kind, s.year, got, s.want)
				}
			}
		})
		t.Run("RollbackGivesTheNumberBack", func(t *testing.T) {
			first := take(workflow.RegisterIncoming, 2030)
			failed := errors.New("signing failed")
			var taken int
			err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) (err error) {
				if taken, err = tx.NextNumber(ctx, workflow.RegisterIncoming, 2030); err != nil {
					return err
				}
				return failed
			})
			if err != failed {
				t.Fatalf("Atomic = %v", err)
			}
			if taken != first+1 {
				t.Errorf("the failed transaction took %d, want %d", taken, first+1)
			}
			if got := take(workflow.RegisterIncoming, 2030); got != first+1 {
				t.Errorf("after a rollback: %d, want %d again", got, first+1)
			}
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				_, err := tx.NextNumber(ctx, "nonsense", 2026)
				return err
			})
			wantCode(t, err, workflow.EINVALID)
		})
	})
}
