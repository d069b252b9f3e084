package gormdb_test

import (
	"context"
	"testing"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// TestMigrateReplies: migration 26 adds documents.replies_to and
// replied_by to a database of migration 25 on both dialects; a letter
// stored before it reads with neither, and then keeps the reply a later
// transaction links to it, and the reply the letter it answers.
func TestMigrateReplies(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			db, _, _ := openAt(t, backend, 25, nil)
			if err := gormdb.CreateV25Document(ctx, db, incomingDoc("letter", 0)); err != nil {
				t.Fatal(err)
			}
			if _, to, err := db.Migrate(ctx); err != nil || to != gormdb.SchemaVersion() {
				t.Fatalf("Migrate: to %d, %v", to, err)
			}
			if got, err := db.Document(ctx, "letter"); err != nil || got.RepliesTo != "" || got.RepliedBy != "" {
				t.Fatalf("letter before any reply: %v replies_to=%q replied_by=%q", err, got.RepliesTo, got.RepliedBy)
			}
			reply := incomingDoc("reply", 1)
			reply.Direction, reply.Sender, reply.RepliesTo = workflow.Outgoing, nil, "letter"
			err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				l, err := tx.LockDocument(ctx, "letter")
				if err != nil {
					return err
				}
				prev := l.Version
				l.RepliedBy, l.Version = "reply", l.Version+1
				if err := tx.UpdateDocument(ctx, l, prev); err != nil {
					return err
				}
				return tx.CreateDocument(ctx, reply)
			})
			if err != nil {
				t.Fatal(err)
			}
			l, err := db.Document(ctx, "letter")
			if err != nil || l.RepliedBy != "reply" {
				t.Errorf("letter: %v replied_by=%q, want reply", err, l.RepliedBy)
			}
			r, err := db.Document(ctx, "reply")
			if err != nil || r.RepliesTo != "letter" {
				t.Errorf("reply: %v replies_to=%q, want letter", err, r.RepliesTo)
			}
		})
	}
}
