package gormdb_test

import (
	"context"
	"testing"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// TestExternalIDPerSender: a received DocumentId is unique per sender
// (documents_sender_external_id, migration 10), not across agencies: two
// agencies' documents under one DocumentId (a UUID, as the national
// platform's gateway writes) are both stored and each found by its
// sender; the same sender's second document under it is ECONFLICT.
// Before, the index was on external_id alone: the second agency's
// document was refused.
func TestExternalIDPerSender(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		const id = "5e515fca-3627-4f2e-b517-7169acdc8bda"
		a, c := incomingDoc("from-a", 0), incomingDoc("from-c", 1)
		a.ExternalID, c.ExternalID = id, id
		c.Sender = &workflow.Org{OrgID: "000.00.32.H13", Name: "UBND huyện C"}
		create(t, db, a)
		create(t, db, c)
		for _, want := range []*workflow.Document{a, c} {
			got, err := db.DocumentByExternalID(ctx, want.Sender.OrgID, id)
			if err != nil || got.ID != want.ID {
				t.Fatalf("%s's %s: %v, %v (want %s)", want.Sender.OrgID, id, got, err, want.ID)
			}
		}
		_, err := db.DocumentByExternalID(ctx, "000.00.99.H13", id)
		wantCode(t, err, workflow.ENOTFOUND)
		again := incomingDoc("from-a-again", 2)
		again.ExternalID = id
		err = db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error { return tx.CreateDocument(ctx, again) })
		wantCode(t, err, workflow.ECONFLICT)
	})
}

// TestDeliveryKeyUnderADocumentId: an update or replacement received under
// the DocumentId of its sender's earlier document is stored beside it,
// told apart by its delivery key (documents_sender_delivery, migration
// 15); the first is still the one DocumentByExternalID finds, each is
// found by its key, and a second document under the same DocumentId and
// key is ECONFLICT (before, any second document under the DocumentId).
func TestDeliveryKeyUnderADocumentId(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		const id = "000.00.32.H13,2026/12/01,7/UBND"
		first, update := incomingDoc("first", 0), incomingDoc("update", 1)
		first.ExternalID, update.ExternalID, update.DeliveryKey = id, id, "update:1f2e"
		update.Sender = first.Sender
		create(t, db, first)
		create(t, db, update)
		got, err := db.DocumentByExternalID(ctx, first.Sender.OrgID, id)
		if err != nil || got.ID != first.ID || got.DeliveryKey != "" {
			t.Fatalf("by DocumentId: %+v, %v (want %s)", got, err, first.ID)
		}
		got, err = db.DocumentByDelivery(ctx, first.Sender.OrgID, id, update.DeliveryKey)
		if err != nil || got.ID != update.ID || got.DeliveryKey != update.DeliveryKey {
			t.Fatalf("by delivery key: %+v, %v (want %s)", got, err, update.ID)
		}
		_, err = db.DocumentByDelivery(ctx, first.Sender.OrgID, id, "update:other")
		wantCode(t, err, workflow.ENOTFOUND)
		again := incomingDoc("update-again", 2)
		again.ExternalID, again.DeliveryKey, again.Sender = id, update.DeliveryKey, first.Sender
		err = db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error { return tx.CreateDocument(ctx, again) })
		wantCode(t, err, workflow.ECONFLICT)
	})
}
