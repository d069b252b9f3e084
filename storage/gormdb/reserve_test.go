package gormdb_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// reserveNext reserves the next outgoing number of 2026 for doc, as the
// issue's reservation does: the document locked with the register's
// reservations, then ReserveNext as the last write.
func reserveNext(ctx context.Context, db *gormdb.DB, id, doc string) (*workflow.Reservation, []workflow.Reservation, error) {
	r := &workflow.Reservation{ID: id, Register: workflow.RegisterOutgoing, Year: 2026, DocumentID: doc, Actor: "u",
		State: workflow.NumberReserved, CreatedAt: t0}
	var live []workflow.Reservation
	err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		nr, ok := tx.(workflow.NumberReserver)
		if !ok {
			return fmt.Errorf("%T is no workflow.NumberReserver", tx)
		}
		d, l, err := nr.LockWithReservations(ctx, doc, r.Register, r.Year)
		if err != nil {
			return err
		}
		if d.ID != doc {
			return fmt.Errorf("locked %s, want %s", d.ID, doc)
		}
		live = l
		return nr.ReserveNext(workflow.WithLastWrite(ctx), r, "/QĐ-UBND")
	})
	return r, live, err
}

// TestReserveNext: numbers 1, 2, ... with NotationWith's notation, as
// stored; the list read with the lock holds the reservations before;
// a reservation that fails (its document has a live one) takes no
// number; concurrent reservations take 1..n once each, past 100.
func TestReserveNext(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		const n = 120
		var docs []*workflow.Document
		for i := range n {
			docs = append(docs, incomingDoc(docID(i), i))
		}
		create(t, db, docs...)
		for i := range 3 {
			r, live, err := reserveNext(ctx, db, fmt.Sprintf("r%d", i), docID(i))
			if err != nil {
				t.Fatal(err)
			}
			if r.Number != i+1 || r.Notation != workflow.Notation(i+1, "QĐ", "UBND", "") {
				t.Fatalf("reservation %d: number %d notation %q", i, r.Number, r.Notation)
			}
			if len(live) != i {
				t.Fatalf("reservation %d: %d listed with the lock, want %d", i, len(live), i)
			}
			for j, o := range live {
				if o.Number != j+1 || o.ID != fmt.Sprintf("r%d", j) || o.DocumentID != docID(j) || !o.CreatedAt.Equal(t0) ||
					o.State != workflow.NumberReserved || o.VoidedAt != nil {
					t.Fatalf("listed reservation %d: %+v", j, o)
				}
			}
		}
		_, _, err := reserveNext(ctx, db, "again", docID(2)) // a live reservation already
		wantCode(t, err, workflow.ECONFLICT)
		_, _, err = reserveNext(ctx, db, "none", "no-such-document")
		wantCode(t, err, workflow.ENOTFOUND)

		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := 3; i < n; i++ {
			wg.Go(func() { _, _, errs[i] = reserveNext(ctx, db, fmt.Sprintf("r%d", i), docID(i)) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("reserve for %s: %v", docID(i), err)
			}
		}
		got, err := db.ReservationsOf(ctx, workflow.RegisterOutgoing, 2026)
		if err != nil || len(got) != n {
			t.Fatalf("%d reservations, %v; want %d", len(got), err, n)
		}
		for i, r := range got {
			if want := workflow.NotationWith(i+1, "/QĐ-UBND"); r.Number != i+1 || r.Notation != want {
				t.Fatalf("reservation %d: number %d notation %q, want %d %q (numbers exactly 1..%d)", i, r.Number, r.Notation, i+1, want, n)
			}
		}
	})
}
