package gormdb_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vanthu/vanthu/exchange"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// claimingQueue is the port the exchange's Outbox asks a transaction
// for (its Tx is this adapter's transaction).
type claimingQueue = exchange.ClaimingQueue

// TestEnqueueClaimed: a message queued claimed for this instance's
// worker counts its first attempt and is not due before its lease ends
// (no claim takes it meanwhile; a crashed worker's comes back after the
// lease, as a claimed one does), unless an earlier pending message about
// the same document to the same agency makes it wait: then it is queued
// due and unclaimed, and claims keep the order.
func TestEnqueueClaimed(t *testing.T) {
	const lease = time.Minute
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			db := gormdbtest.Open(t, backend)
			enqueue := func(d *workflow.Delivery, claimed bool) bool {
				t.Helper()
				var got bool
				err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
					if !claimed {
						return tx.EnqueueDelivery(ctx, d)
					}
					var err error
					got, err = tx.(claimingQueue).EnqueueClaimed(ctx, d, lease)
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				return got
			}
			status := func(doc, org, code string) *workflow.Delivery {
				return &workflow.Delivery{DocumentID: doc, Kind: workflow.DeliverStatus, OrgID: org, OrgName: "Sở " + org,
					StatusCode: code, Description: "mô tả"}
			}
			claim := func(at time.Time) []workflow.Delivery {
				t.Helper()
				ds, err := db.ClaimDeliveries(ctx, at, lease, 10)
				if err != nil {
					t.Fatal(err)
				}
				return ds
			}

			alone := status("d1", "000.00.01.H13", "01")
			if !enqueue(alone, true) {
				t.Fatal("a message with nothing before it was not claimed")
			}
			if alone.Attempts != 1 || !alone.NextAttempt.After(time.Now().Add(lease/2)) {
				t.Fatalf("claimed message: attempts %d, next attempt %v; want 1, after the lease", alone.Attempts, alone.NextAttempt)
			}
			if ds := claim(time.Now()); len(ds) != 0 {
				t.Fatalf("claims took %d messages claimed at their queueing", len(ds))
			}

			first := status("d2", "000.00.02.H13", "01")
			enqueue(first, false)
			second := status("d2", "000.00.02.H13", "03")
			if enqueue(second, true) {
				t.Fatal("a message behind a pending one about the same document to the same agency was claimed")
			}
			otherOrg := status("d2", "000.00.03.H13", "01")
			if !enqueue(otherOrg, true) {
				t.Fatal("a message to another agency was not claimed")
			}
			ds := claim(time.Now())
			if len(ds) != 1 || ds[0].ID != first.ID {
				t.Fatalf("claimed %+v now, want only %s (the second waits for it)", ds, first.ID)
			}
			if err := db.MarkDelivered(ctx, first.ID, time.Now()); err != nil {
				t.Fatal(err)
			}
			if ds := claim(time.Now()); len(ds) != 1 || ds[0].ID != second.ID || ds[0].Attempts != 1 {
				t.Fatalf("claimed %+v after the first was delivered, want %s at its first attempt", ds, second.ID)
			}
			if err := db.MarkDelivered(ctx, second.ID, time.Now()); err != nil {
				t.Fatal(err)
			}
			after := status("d2", "000.00.02.H13", "04")
			if !enqueue(after, true) {
				t.Fatal("a message after delivered ones was not claimed")
			}

			// A worker that took claimed messages and died: they come back
			// after the lease, their second attempt.
			ds = claim(time.Now().Add(lease + time.Second))
			got := map[string]int{}
			for _, d := range ds {
				got[d.ID] = d.Attempts
			}
			for _, d := range []*workflow.Delivery{alone, otherOrg, after} {
				if got[d.ID] != 2 {
					t.Errorf("after the lease, %s claimed at attempt %d, want 2 (claims %v)", d.ID, got[d.ID], got)
				}
			}
			stored, err := db.Deliveries(ctx, "d1")
			if err != nil {
				t.Fatal(err)
			}
			if len(stored) != 1 || stored[0].OrgName != alone.OrgName || stored[0].StatusCode != "01" || stored[0].Description != "mô tả" ||
				stored[0].Kind != workflow.DeliverStatus || stored[0].State != workflow.DeliveryPending || !stored[0].CreatedAt.Equal(alone.CreatedAt.Truncate(time.Microsecond)) {
				t.Fatalf("stored %+v, want it as queued %+v", stored, alone)
			}
		})
	}
}

// TestRememberSentInTransaction: the DocumentId recorded in a transaction
// (exchange.SentRememberer; on PostgreSQL sent with its COMMIT) is there
// once it commits and not when it rolls back; recording it again, in a
// transaction or by the worker, changes nothing.
func TestRememberSentInTransaction(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		sent := incomingDoc("doc1", 0)
		sent.Direction, sent.State, sent.Sender = workflow.Outgoing, workflow.Sent, nil
		create(t, db, sent)
		remember := func(id string, fail error) error {
			return db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				if err := tx.(exchange.SentRememberer).RememberSent(ctx, id, "doc1"); err != nil {
					return err
				}
				_, err := tx.(claimingQueue).EnqueueClaimed(ctx, &workflow.Delivery{DocumentID: "doc1", Kind: workflow.DeliverDocument,
					OrgID: "000.00.31.H13"}, time.Minute)
				if err != nil {
					return err
				}
				return fail
			})
		}
		rolledBack := errors.New("rolled back")
		if err := remember("000.00.12.H13,2026/11/20,02/QĐ-UBND", rolledBack); !errors.Is(err, rolledBack) {
			t.Fatal(err)
		}
		_, err := db.SentDocument(ctx, "000.00.12.H13,2026/11/20,02/QĐ-UBND")
		wantCode(t, err, workflow.ENOTFOUND)
		for range 2 {
			if err := remember("000.00.12.H13,2026/11/20,01/QĐ-UBND", nil); err != nil {
				t.Fatal(err)
			}
		}
		for _, by := range []string{"the transactions", "the worker too"} {
			got, err := db.SentDocument(ctx, "000.00.12.H13,2026/11/20,01/QĐ-UBND")
			if err != nil || got.ID != "doc1" {
				t.Fatalf("recorded by %s: sent = %+v, %v", by, got, err)
			}
			if err := db.RememberSent(ctx, "000.00.12.H13,2026/11/20,01/QĐ-UBND", "doc1"); err != nil {
				t.Fatal(err)
			}
		}
	})
}
