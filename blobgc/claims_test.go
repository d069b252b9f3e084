package blobgc_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"github.com/vanthu/vanthu/blobgc"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// dbCommit commits a reference to sum as the database's transactions do:
// a user whose signature image it is.
func dbCommit(ctx context.Context, db *gormdb.DB, sum string) error {
	var rnd [6]byte
	rand.Read(rnd[:])
	id := hex.EncodeToString(rnd[:])
	return db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		return tx.CreateUser(ctx, &workflow.User{ID: id, Username: "u" + id, FullName: "Người dùng", SignatureImage: sum, CreatedAt: time.Now()})
	})
}

// The claims against real commits, SQLite with the local folder and
// PostgreSQL with MinIO, each interleaving driven by the collector's
// hooks. The collector's clock is two days ahead: every blob is older
// than the grace period, so only the claims keep a referenced blob.
func TestIntegrationClaimsAgainstCommits(t *testing.T) {
	if gormdb.ClaimMarked != blobgc.ClaimMarked || gormdb.ClaimDeleting != blobgc.ClaimDeleting || gormdb.ClaimDeleted != blobgc.ClaimDeleted {
		t.Fatal("blobgc's claim states are not storage/gormdb's")
	}
	for _, st := range stores() {
		backend := st.backend()
		t.Run(st.name+"+"+backend, func(t *testing.T) {
			ctx := context.Background()
			work := st.open(t)
			db := gormdbtest.Open(t, backend)
			guarded := work
			db.WorkStore = work
			ahead := func() time.Time { return time.Now().Add(48 * time.Hour) }
			collector := func() *blobgc.Collector {
				return &blobgc.Collector{Blobs: guarded, Refs: db, Claims: db, Now: ahead}
			}

			// Committed after the claim, before the delete: the commit
			// cancels the claim and the blob stays.
			b, sum := content(t)
			upload(t, guarded, b, sum)
			c := collector()
			var err1 error
			c.BeforeCheck = func(string) { err1 = dbCommit(ctx, db, sum) }
			rep, err := c.Run(ctx, blobgc.Options{})
			if err != nil || err1 != nil || rep.Collected != 0 || rep.Reused != 1 || !exists(t, work, workflow.BlobKey(sum)) {
				t.Fatalf("commit after the claim: %+v %v; commit %v", rep, err, err1)
			}

			// Committed while the blob is being deleted, and after the
			// run that deleted it: the commit fails until it is sent again.
			b, sum = content(t)
			upload(t, guarded, b, sum)
			c = collector()
			c.BeforeMove = func(string) { err1 = dbCommit(ctx, db, sum) }
			rep, err = c.Run(ctx, blobgc.Options{})
			if err != nil || rep.Collected != 1 || workflow.ErrorCode(err1) != workflow.EUNAVAILABLE {
				t.Fatalf("commit while deleting: %+v %v; commit %v, want EUNAVAILABLE", rep, err, err1)
			}
			if err := dbCommit(ctx, db, sum); workflow.ErrorCode(err) != workflow.EUNAVAILABLE {
				t.Fatalf("commit after the run: %v, want EUNAVAILABLE", err)
			}
			upload(t, guarded, b, sum) // sent again
			if err := dbCommit(ctx, db, sum); err != nil {
				t.Fatalf("commit after sending again: %v", err)
			}
			rep, err = collector().Run(ctx, blobgc.Options{})
			if err != nil || rep.Collected != 0 || !exists(t, work, workflow.BlobKey(sum)) {
				t.Fatalf("next run: %+v %v", rep, err)
			}
		})
	}
}
