package gormdb_test

import (
	"context"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// A document update that adds a file the collector is deleting fails
// (EUNAVAILABLE) and changes nothing; one that adds a file the collector
// has only marked cancels the mark (the collector then cannot delete
// it); one that writes unchanged the files it read in the transaction
// passes.
func TestIntegrationBlobClaimsAgainstDocumentUpdates(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			db := gormdbtest.Open(t, backend)
			d := incomingDoc(docID(1), 1)
			create(t, db, d)
			deleting, marked := strings.Repeat("a", 64), strings.Repeat("b", 64)
			if got, err := db.ClaimBlobs(ctx, "run", []string{deleting, marked}); err != nil || len(got) != 2 {
				t.Fatalf("claim: %v %v", got, err)
			}
			if ok, err := db.StartBlobDelete(ctx, "run", deleting); !ok || err != nil {
				t.Fatalf("start delete: %v %v", ok, err)
			}
			addFile := func(sum string) error {
				return db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
					cur, err := tx.LockDocument(ctx, d.ID)
					if err != nil {
						return err
					}
					prev := cur.Version
					cur.Version++
					cur.Files = append(cur.Files, workflow.File{SHA256: sum, Name: "x.pdf", Size: 1, Kind: workflow.FileAttachment, CreatedAt: t0})
					return tx.UpdateDocument(ctx, cur, prev)
				})
			}
			wantCode(t, addFile(deleting), workflow.EUNAVAILABLE)
			if err := addFile(marked); err != nil {
				t.Fatal(err)
			}
			if ok, err := db.StartBlobDelete(ctx, "run", marked); ok || err != nil {
				t.Fatalf("start delete of a blob a commit referenced: %v %v, want false", ok, err)
			}
			// Unchanged files (one of them referenced since), read in the
			// transaction: the update passes.
			err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				cur, err := tx.LockDocument(ctx, d.ID)
				if err != nil {
					return err
				}
				prev := cur.Version
				cur.Version++
				cur.Notes = "ghi chú"
				return tx.UpdateDocument(ctx, cur, prev)
			})
			if err != nil {
				t.Fatal(err)
			}
			got, err := db.Document(ctx, d.ID)
			if err != nil || len(got.Files) != 1 || got.Files[0].SHA256 != marked {
				t.Fatalf("document files %+v %v", got, err)
			}
		})
	}
}
