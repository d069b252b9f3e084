package gormdb_test

import (
	"context"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// TestLastWriteAloneChecksClaims: a create or an update that is its
// transaction's only write, its last (on PostgreSQL, with the files'
// claims check, one round trip with BEGIN and COMMIT when the instance
// knows the chain head), checks the claims as before — a blob being
// deleted fails with nothing written, a marked one has its mark
// cancelled — and a head another instance moved meanwhile still gets
// the event chained after it.
func TestLastWriteAloneChecksClaims(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			dbs := gormdbtest.OpenInstances(t, backend, 2)
			db, other := dbs[0], dbs[1]
			appendOn := func(db *gormdb.DB) {
				t.Helper()
				if err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
					return tx.AppendEvent(ctx, &workflow.Event{DocumentID: "x", Kind: workflow.EventComment, At: t0})
				}); err != nil {
					t.Fatal(err)
				}
			}
			appendOn(db) // db knows the head from here
			sum := func(c string) string { return strings.Repeat(c, 64) }
			deleting, marked, marked2 := sum("a"), sum("b"), sum("c")
			if got, err := db.ClaimBlobs(ctx, "run", []string{deleting, marked, marked2}); err != nil || len(got) != 3 {
				t.Fatalf("claim: %v %v", got, err)
			}
			if ok, err := db.StartBlobDelete(ctx, "run", deleting); !ok || err != nil {
				t.Fatalf("start delete: %v %v", ok, err)
			}
			referenced := func(s string) {
				t.Helper()
				if ok, err := db.StartBlobDelete(ctx, "run", s); ok || err != nil {
					t.Fatalf("start delete of a blob a commit referenced: %v %v, want false", ok, err)
				}
			}
			createWith := func(id, sum string) error {
				return db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
					d := incomingDoc(id, 1)
					d.Files = []workflow.File{{SHA256: sum, Name: "x.pdf", Size: 1, Kind: workflow.FileMain, CreatedAt: t0}}
					e := &workflow.Event{DocumentID: id, Kind: workflow.EventCreate, At: t0}
					return tx.(workflow.CreateAppender).CreateAndAppend(workflow.WithLastWrite(ctx), d, []*workflow.Event{e})
				})
			}
			wantCode(t, createWith("c1", deleting), workflow.EUNAVAILABLE)
			if _, err := db.Document(ctx, "c1"); workflow.ErrorCode(err) != workflow.ENOTFOUND {
				t.Fatalf("document of a refused create: %v", err)
			}
			for _, c := range []struct{ id, sum string }{{"c2", marked}, {"c3", sum("d")}} {
				if err := createWith(c.id, c.sum); err != nil {
					t.Fatalf("create %s: %v", c.id, err)
				}
			}
			referenced(marked)
			appendOn(other) // the head moves under db
			if err := createWith("c4", sum("e")); err != nil {
				t.Fatal(err)
			}
			update := func(sum string) error {
				before, err := db.Document(ctx, "c4")
				if err != nil {
					return err
				}
				return db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
					cur, prev, err := adoptNext(tx, before)
					if err != nil {
						return err
					}
					cur.Files = append(cur.Files, workflow.File{SHA256: sum, Name: "y.pdf", Size: 1, Kind: workflow.FileAttachment, CreatedAt: t0})
					return tx.(workflow.UpdateAppender).UpdateAndAppend(workflow.WithLastWrite(ctx), cur, prev,
						&workflow.Event{DocumentID: "c4", Kind: workflow.EventComment, At: t0})
				})
			}
			wantCode(t, update(deleting), workflow.EUNAVAILABLE)
			if err := update(marked2); err != nil {
				t.Fatal(err)
			}
			referenced(marked2)
			appendOn(other)
			if err := update(sum("f")); err != nil {
				t.Fatal(err)
			}
			got, err := db.Document(ctx, "c4")
			if err != nil || len(got.Files) != 3 || got.Files[1].SHA256 != marked2 || got.Files[2].SHA256 != sum("f") || got.Version != 3 {
				t.Fatalf("document after its updates: %+v %v", got, err)
			}
			verifyChain(t, db, 8)
		})
	}
}

// TestLastWriteAfterReadChecksClaims: an update that is its transaction's
// last write after a read in it (on PostgreSQL the files' claims check
// is sent with the update and COMMIT, not before them) checks the claims
// as before — a blob being deleted fails with nothing written, a marked
// one has its mark cancelled — and a head another instance moved
// meanwhile still gets the event chained after it.
func TestLastWriteAfterReadChecksClaims(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			dbs := gormdbtest.OpenInstances(t, backend, 2)
			db, other := dbs[0], dbs[1]
			sum := func(c string) string { return strings.Repeat(c, 64) }
			deleting, marked := sum("a"), sum("b")
			d := incomingDoc("r1", 1)
			d.Files = []workflow.File{{SHA256: sum("c"), Name: "x.pdf", Size: 1, Kind: workflow.FileMain, CreatedAt: t0}}
			create(t, db, d)
			if got, err := db.ClaimBlobs(ctx, "run", []string{deleting, marked}); err != nil || len(got) != 2 {
				t.Fatalf("claim: %v %v", got, err)
			}
			if ok, err := db.StartBlobDelete(ctx, "run", deleting); !ok || err != nil {
				t.Fatalf("start delete: %v %v", ok, err)
			}
			update := func(sum string) error {
				return db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
					cur, err := tx.LockDocument(ctx, d.ID) // sent first: the update is not alone
					if err != nil {
						return err
					}
					prev := cur.Version
					cur.Version++
					cur.Files = append(cur.Files, workflow.File{SHA256: sum, Name: "y.pdf", Size: 1, Kind: workflow.FileAttachment, CreatedAt: t0})
					return tx.(workflow.UpdateAppender).UpdateAndAppend(workflow.WithLastWrite(ctx), cur, prev,
						&workflow.Event{DocumentID: d.ID, Kind: workflow.EventComment, At: t0})
				})
			}
			for range 2 { // the second with the head known
				wantCode(t, update(deleting), workflow.EUNAVAILABLE)
			}
			if err := update(marked); err != nil {
				t.Fatal(err)
			}
			if ok, err := db.StartBlobDelete(ctx, "run", marked); ok || err != nil {
				t.Fatalf("start delete of a blob a commit referenced: %v %v, want false", ok, err)
			}
			appendOn := func(db *gormdb.DB) {
				t.Helper()
				if err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
					return tx.AppendEvent(ctx, &workflow.Event{DocumentID: "x", Kind: workflow.EventComment, At: t0})
				}); err != nil {
					t.Fatal(err)
				}
			}
			appendOn(other) // the head moves under db
			if err := update(sum("f")); err != nil {
				t.Fatal(err)
			}
			got, err := db.Document(ctx, d.ID)
			if err != nil || len(got.Files) != 3 || got.Files[1].SHA256 != marked || got.Files[2].SHA256 != sum("f") || got.Version != 3 {
				t.Fatalf("document after its updates: %+v %v", got, err)
			}
			verifyChain(t, db, 3)
		})
	}
}
