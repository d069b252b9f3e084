package gormdb_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// A document update that adds a file the collector is deleting fails
// (EUNAVAILABLE) and changes nothing; one that adds a file the collector
// has only marked cancels the mark (the collector then cannot delete
// it); one that writes unchanged the files it read in the transaction
// passes. The same through UpdateAndAppend (on PostgreSQL one statement
// with the audit event once the instance knows the chain head).
func TestIntegrationBlobClaimsAgainstDocumentUpdates(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		for _, combined := range []bool{false, true} {
			name := backend
			if combined {
				name += "/UpdateAndAppend"
			}
			t.Run(name, func(t *testing.T) { blobClaimsAgainstUpdates(t, backend, combined) })
		}
	}
}

// write is UpdateDocument, or UpdateAndAppend with an event when combined.
func write(ctx context.Context, tx workflow.Tx, d *workflow.Document, prev int, combined bool) error {
	if !combined {
		return tx.UpdateDocument(ctx, d, prev)
	}
	e := &workflow.Event{DocumentID: d.ID, Kind: workflow.EventComment, At: t0}
	return tx.(workflow.UpdateAppender).UpdateAndAppend(ctx, d, prev, e)
}

// attach adds a file of sum to document id in one transaction, written
// as write does; inTx, when not nil, runs after the write, before the
// commit.
func attach(ctx context.Context, db *gormdb.DB, id, sum string, combined bool, inTx func()) error {
	return db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		cur, err := tx.LockDocument(ctx, id)
		if err != nil {
			return err
		}
		prev := cur.Version
		cur.Version++
		cur.Files = append(cur.Files, workflow.File{SHA256: sum, Name: "x.pdf", Size: 1, Kind: workflow.FileAttachment, CreatedAt: t0})
		if err := write(ctx, tx, cur, prev, combined); err != nil {
			return err
		}
		if inTx != nil {
			inTx()
		}
		return nil
	})
}

func blobClaimsAgainstUpdates(t *testing.T, backend string, combined bool) {
	ctx := context.Background()
	db := gormdbtest.Open(t, backend)
	d := incomingDoc(docID(1), 1)
	create(t, db, d)
	if err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error { // the head is known from here
		return tx.AppendEvent(ctx, &workflow.Event{DocumentID: d.ID, Kind: workflow.EventComment, At: t0})
	}); err != nil {
		t.Fatal(err)
	}
	deleting, marked := strings.Repeat("a", 64), strings.Repeat("b", 64)
	if got, err := db.ClaimBlobs(ctx, "run", []string{deleting, marked}); err != nil || len(got) != 2 {
		t.Fatalf("claim: %v %v", got, err)
	}
	if ok, err := db.StartBlobDelete(ctx, "run", deleting); !ok || err != nil {
		t.Fatalf("start delete: %v %v", ok, err)
	}
	addFile := func(sum string) error { return attach(ctx, db, d.ID, sum, combined, nil) }
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
		return write(ctx, tx, cur, prev, combined)
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.Document(ctx, d.ID)
	if err != nil || len(got.Files) != 1 || got.Files[0].SHA256 != marked {
		t.Fatalf("document files %+v %v", got, err)
	}
}

// A new document created with its events (CreateAndAppend; on PostgreSQL
// one statement once the instance knows the chain head) checks its files
// as CreateDocument does: one the collector is deleting fails and nothing
// is written; one it has only marked cancels the mark.
func TestIntegrationBlobClaimsAgainstCreateAndAppend(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		if err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error { // the head is known from here
			return tx.AppendEvent(ctx, &workflow.Event{DocumentID: "x", Kind: workflow.EventComment, At: t0})
		}); err != nil {
			t.Fatal(err)
		}
		deleting, marked := strings.Repeat("c", 64), strings.Repeat("d", 64)
		if got, err := db.ClaimBlobs(ctx, "run", []string{deleting, marked}); err != nil || len(got) != 2 {
			t.Fatalf("claim: %v %v", got, err)
		}
		if ok, err := db.StartBlobDelete(ctx, "run", deleting); !ok || err != nil {
			t.Fatalf("start delete: %v %v", ok, err)
		}
		createWith := func(id, sum string) error {
			return db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				d := incomingDoc(id, 1)
				d.Files = []workflow.File{{SHA256: sum, Name: "x.pdf", Size: 1, Kind: workflow.FileMain, CreatedAt: t0}}
				e := &workflow.Event{DocumentID: id, Kind: workflow.EventCreate, At: t0}
				return tx.(workflow.CreateAppender).CreateAndAppend(ctx, d, []*workflow.Event{e})
			})
		}
		wantCode(t, createWith("c1", deleting), workflow.EUNAVAILABLE)
		if _, err := db.Document(ctx, "c1"); workflow.ErrorCode(err) != workflow.ENOTFOUND {
			t.Fatalf("document of a refused create: %v", err)
		}
		verifyChain(t, db, 1)
		if err := createWith("c2", marked); err != nil {
			t.Fatal(err)
		}
		if ok, err := db.StartBlobDelete(ctx, "run", marked); ok || err != nil {
			t.Fatalf("start delete of a blob a commit referenced: %v %v, want false", ok, err)
		}
		verifyChain(t, db, 2)
	})
}

// Two commits adding the same marked blob at once both pass: the second
// waits (on PostgreSQL) on the first's cancel of the mark, then finds it
// gone, which is no deletion.
func TestIntegrationBlobClaimsTwoCommitsCancelOneMark(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			db := gormdbtest.Open(t, backend)
			d1, d2 := incomingDoc(docID(1), 1), incomingDoc(docID(2), 2)
			create(t, db, d1, d2)
			sum := strings.Repeat("c", 64)
			if got, err := db.ClaimBlobs(ctx, "run", []string{sum}); err != nil || len(got) != 1 {
				t.Fatalf("claim: %v %v", got, err)
			}
			addFile := func(id string, inTx func()) error { return attach(ctx, db, id, sum, false, inTx) }
			second := make(chan error, 1)
			err := addFile(d1.ID, func() {
				go func() { second <- addFile(d2.ID, func() {}) }()
				if backend == gormdb.Postgres {
					waitForLockWaiter(t, db)
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := <-second; err != nil {
				t.Fatalf("second commit: %v", err)
			}
		})
	}
}

// waitForLockWaiter returns once a session of db's PostgreSQL database
// waits for a lock.
func waitForLockWaiter(t *testing.T, db *gormdb.DB) {
	t.Helper()
	for {
		var n int64
		err := db.Gorm().Raw("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'").Scan(&n).Error
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A user update that keeps the signature image its committed row refers
// to adds no reference: it passes even while the collector deletes that
// blob (a claim the collector would not take on a referenced blob, made
// here by hand); one that sets an image being deleted fails.
func TestIntegrationBlobClaimsAgainstUserUpdates(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		kept, other := strings.Repeat("d", 64), strings.Repeat("e", 64)
		u := &workflow.User{ID: "u1", Username: "clerk", SignatureImage: kept, CreatedAt: t0}
		err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error { return tx.CreateUser(ctx, u) })
		if err != nil {
			t.Fatal(err)
		}
		if got, err := db.ClaimBlobs(ctx, "run", []string{kept, other}); err != nil || len(got) != 2 {
			t.Fatalf("claim: %v %v", got, err)
		}
		for _, sum := range []string{kept, other} {
			if ok, err := db.StartBlobDelete(ctx, "run", sum); !ok || err != nil {
				t.Fatalf("start delete: %v %v", ok, err)
			}
		}
		save := func(u workflow.User) error {
			return db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error { return tx.UpdateUser(ctx, &u) })
		}
		renamed := *u
		renamed.FullName = "Nguyễn Văn B"
		if err := save(renamed); err != nil {
			t.Fatalf("update keeping the image: %v", err)
		}
		changed := renamed
		changed.SignatureImage = other
		wantCode(t, save(changed), workflow.EUNAVAILABLE)
		got, err := db.User(ctx, u.ID)
		if err != nil || got.FullName != renamed.FullName || got.SignatureImage != kept {
			t.Fatalf("user %+v %v", got, err)
		}
	})
}

// ClaimBlobs claims by batches, each committed before the next: between
// two, a commit referring to a blob of the first batch passes (the
// claims lock is free; on SQLite the writer too) and cancels its mark,
// and the blobs that had a claim already are left out.
func TestIntegrationBlobClaimsByBatches(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		d := incomingDoc(docID(1), 1)
		create(t, db, d)
		var sums []string
		for _, c := range "abcdefg" {
			sums = append(sums, strings.Repeat(string(c), 64))
		}
		if got, err := db.ClaimBlobs(ctx, "other", sums[2:3]); err != nil || len(got) != 1 {
			t.Fatalf("claim: %v %v", got, err)
		}
		batches := 0
		var commitErr error
		claimed, err := db.ClaimBlobsBatches(ctx, "run", sums, 3, func() {
			batches++
			if batches != 1 {
				return
			}
			commitErr = attach(ctx, db, d.ID, sums[1], false, nil)
		})
		if err != nil || commitErr != nil {
			t.Fatalf("claim: %v; commit between batches: %v", err, commitErr)
		}
		want := []string{sums[0], sums[1], sums[3], sums[4], sums[5], sums[6]}
		if batches != 3 || strings.Join(claimed, ",") != strings.Join(want, ",") {
			t.Fatalf("%d batches, claimed %v, want 3 and %v", batches, claimed, want)
		}
		if ok, err := db.StartBlobDelete(ctx, "run", sums[1]); ok || err != nil {
			t.Fatalf("start delete of a blob a commit referenced: %v %v, want false", ok, err)
		}
	})
}

// A "deleting" claim whose run stopped refreshing it (killed between the
// two ends of a deletion) counts as a tombstone after StaleBlobDelete:
// an upload sent again clears it and the commit passes, and the run, if
// it comes back, no longer holds it (it deletes nothing). One its run
// refreshed (the fencing check) stays, and commits keep failing.
func TestIntegrationBlobClaimsStaleDeleting(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		now := t0
		db.Now = func() time.Time { return now }
		d := incomingDoc(docID(1), 1)
		create(t, db, d)
		stopped, live := strings.Repeat("a", 64), strings.Repeat("b", 64)
		if got, err := db.ClaimBlobs(ctx, "run", []string{stopped, live}); err != nil || len(got) != 2 {
			t.Fatalf("claim: %v %v", got, err)
		}
		for _, sum := range []string{stopped, live} {
			if ok, err := db.StartBlobDelete(ctx, "run", sum); !ok || err != nil {
				t.Fatalf("start delete: %v %v", ok, err)
			}
		}
		addFile := func(sum string) error { return attach(ctx, db, d.ID, sum, false, nil) }
		if tok, err := db.BlobTombstone(ctx, stopped); tok != "" || err != nil {
			t.Fatalf("tombstone of a fresh deleting claim: %q %v, want none", tok, err)
		}
		wantCode(t, addFile(stopped), workflow.EUNAVAILABLE)

		now = now.Add(gormdb.StaleBlobDelete + time.Minute)
		tokens := map[string]string{}
		for _, sum := range []string{stopped, live} {
			tok, err := db.BlobTombstone(ctx, sum) // as read before the blob is seen back in place
			if tok != "run" || err != nil {
				t.Fatalf("tombstone of a stale deleting claim: %q %v, want run", tok, err)
			}
			tokens[sum] = tok
		}
		if held, err := db.HoldsBlobDelete(ctx, "run", live); !held || err != nil {
			t.Fatalf("the live run's fencing check: %v %v", held, err)
		}
		for _, sum := range []string{stopped, live} {
			if err := db.ClearBlobTombstone(ctx, sum, tokens[sum]); err != nil {
				t.Fatal(err)
			}
		}
		if err := addFile(stopped); err != nil {
			t.Fatalf("commit after the stale claim was cleared: %v", err)
		}
		if held, err := db.HoldsBlobDelete(ctx, "run", stopped); held || err != nil {
			t.Fatalf("the stopped run still holds the claim: %v %v", held, err)
		}
		wantCode(t, addFile(live), workflow.EUNAVAILABLE)
	})
}

// workStore is a work store's Stat over the set of blobs in place;
// stats counts the calls.
type workStore struct {
	in    map[string]bool
	stats int
}

func (w *workStore) Stat(_ context.Context, key string) (workflow.ObjectInfo, error) {
	w.stats++
	if !w.in[key] {
		return workflow.ObjectInfo{}, workflow.Errorf(workflow.ENOTFOUND, "%s: no such blob", key)
	}
	return workflow.ObjectInfo{Key: key}, nil
}

// A commit that refers to a blob with a tombstone clears it itself when
// the blob is back in the work store (an upload sent again): with no
// work store, or the blob not back, it fails (EUNAVAILABLE) and the
// tombstone stays; back, it commits and the tombstone is gone. A stale
// "deleting" claim goes the same way; a live one (fresh, or refreshed by
// its run's fencing check, or taken over by another run) fails the
// commit even with the blob in place, and its run still holds it.
func TestIntegrationBlobClaimsCommitClearsTombstone(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		now := t0
		db.Now = func() time.Time { return now }
		d := incomingDoc(docID(1), 1)
		create(t, db, d)
		addFile := func(sum string) error { return attach(ctx, db, d.ID, sum, true, nil) }
		deleted, stopped, live, takenOver := strings.Repeat("a", 64), strings.Repeat("b", 64), strings.Repeat("c", 64), strings.Repeat("d", 64)
		all := []string{deleted, stopped, live, takenOver}
		if got, err := db.ClaimBlobs(ctx, "run", all); err != nil || len(got) != len(all) {
			t.Fatalf("claim: %v %v", got, err)
		}
		for _, sum := range all {
			if ok, err := db.StartBlobDelete(ctx, "run", sum); !ok || err != nil {
				t.Fatalf("start delete: %v %v", ok, err)
			}
		}
		if err := db.FinishBlobDelete(ctx, "run", deleted); err != nil {
			t.Fatal(err)
		}
		wantCode(t, addFile(deleted), workflow.EUNAVAILABLE) // no work store
		ws := &workStore{in: map[string]bool{}}
		db.WorkStore = ws
		wantCode(t, addFile(deleted), workflow.EUNAVAILABLE) // not back
		if tok, err := db.BlobTombstone(ctx, deleted); tok != "run" || err != nil {
			t.Fatalf("tombstone after a failed commit: %q %v, want it kept", tok, err)
		}
		for _, sum := range all {
			ws.in[workflow.BlobKey(sum)] = true // sent again
		}
		if err := addFile(deleted); err != nil {
			t.Fatalf("commit of a blob back in place: %v", err)
		}
		if tok, err := db.BlobTombstone(ctx, deleted); tok != "" || err != nil {
			t.Fatalf("tombstone after the commit: %q %v, want none", tok, err)
		}
		for _, sum := range []string{stopped, live, takenOver} {
			wantCode(t, addFile(sum), workflow.EUNAVAILABLE) // fresh "deleting"
		}

		now = now.Add(gormdb.StaleBlobDelete + time.Minute)
		if held, err := db.HoldsBlobDelete(ctx, "run", live); !held || err != nil {
			t.Fatalf("the live run's fencing check: %v %v", held, err)
		}
		if ok, err := db.TakeOverBlobClaim(ctx, takenOver, "run", "later"); !ok || err != nil {
			t.Fatalf("take over: %v %v", ok, err)
		}
		stats := ws.stats
		if err := addFile(stopped); err != nil {
			t.Fatalf("commit after the run stopped: %v", err)
		}
		if held, err := db.HoldsBlobDelete(ctx, "run", stopped); held || err != nil {
			t.Fatalf("the stopped run still holds the claim: %v %v", held, err)
		}
		wantCode(t, addFile(live), workflow.EUNAVAILABLE)
		wantCode(t, addFile(takenOver), workflow.EUNAVAILABLE)
		if held, err := db.HoldsBlobDelete(ctx, "run", live); !held || err != nil {
			t.Fatalf("the live run lost its claim: %v %v", held, err)
		}
		if held, err := db.HoldsBlobDelete(ctx, "later", takenOver); !held || err != nil {
			t.Fatalf("the run that took over lost its claim: %v %v", held, err)
		}
		if ws.stats != stats+1 {
			t.Fatalf("%d Stat calls for one stale claim and two live ones, want 1", ws.stats-stats)
		}
	})
}

// On PostgreSQL, ClaimBlobs queues for the claims lock while a commit
// holds it shared, and gets it when that commit ends (commits that start
// meanwhile queue behind it, so a stream of them cannot starve it).
func TestIntegrationBlobClaimsQueueForTheLock(t *testing.T) {
	ctx := context.Background()
	db := gormdbtest.Open(t, gormdb.Postgres)
	holder := db.Gorm().Begin()
	if err := holder.Exec("SELECT pg_advisory_xact_lock_shared(?)", gormdb.BlobClaimsLockID).Error; err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := db.ClaimBlobs(ctx, "run", []string{strings.Repeat("a", 64)})
		done <- err
	}()
	for queued := false; !queued; {
		select {
		case err := <-done:
			holder.Rollback()
			t.Fatalf("ClaimBlobs returned (%v) while a commit held the lock, without queueing for it", err)
		default:
		}
		var n int64
		if err := db.Gorm().Raw("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'advisory'").Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		queued = n > 0
		time.Sleep(2 * time.Millisecond)
	}
	var newcomer bool // a commit starting now queues behind ClaimBlobs
	if err := db.Gorm().Raw("SELECT pg_try_advisory_lock_shared(?)", gormdb.BlobClaimsLockID).Scan(&newcomer).Error; err != nil || newcomer {
		t.Fatalf("a later shared lock was granted ahead of the queued claim: %v %v", newcomer, err)
	}
	if err := holder.Commit().Error; err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("ClaimBlobs after the commit ended: %v", err)
	}
}
