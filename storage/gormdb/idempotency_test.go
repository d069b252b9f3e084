package gormdb_test

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// TestIdempotencyKeys: the repository's side of the rule — one attempt
// holds a key; a held key is returned as stored; an expired key, or one
// in flight since before the stale time, is taken over; finishing needs
// the holder's token and commits with its transaction; giving back
// deletes only the holder's key in flight; keys are per user; expired
// keys are deleted.
func TestIdempotencyKeys(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
		key := func(user, tok, fp string, at time.Time) workflow.IdempotencyKey {
			return workflow.IdempotencyKey{UserID: user, Key: "k-1", Fingerprint: fp, Token: tok, StartedAt: at, ExpiresAt: at.Add(workflow.IdempotencyTTL)}
		}
		begin := func(k workflow.IdempotencyKey, stale time.Time) *workflow.IdempotencyKey {
			t.Helper()
			held, err := db.BeginIdempotent(ctx, k, stale, workflow.DefaultInstanceStale)
			if err != nil {
				t.Fatal(err)
			}
			return held
		}
		finish := func(tok, doc string) error {
			return db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				return tx.FinishIdempotent(ctx, "u-1", "k-1", tok, doc)
			})
		}
		if held := begin(key("u-1", "a", "fp-1", t0), t0.Add(-time.Minute)); held != nil {
			t.Fatalf("first begin: held %+v", held)
		}
		held := begin(key("u-1", "b", "fp-2", t0.Add(time.Second)), t0.Add(-time.Minute))
		if held == nil || held.Token != "a" || held.Fingerprint != "fp-1" || !held.InFlight() || !held.StartedAt.Equal(t0) {
			t.Fatalf("held key: %+v", held)
		}
		if held := begin(key("u-2", "c", "fp-1", t0), t0.Add(-time.Minute)); held != nil {
			t.Errorf("another user's key: held %+v", held)
		}
		// A transaction that finishes the key and then fails leaves it in flight.
		boom := errors.New("boom")
		if err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
			if err := tx.FinishIdempotent(ctx, "u-1", "k-1", "a", "doc-a"); err != nil {
				return err
			}
			return boom
		}); !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if held := begin(key("u-1", "b", "fp-1", t0), t0.Add(-time.Minute)); held == nil || !held.InFlight() {
			t.Fatalf("after a rollback: %+v", held)
		}
		// In flight since before the stale time: b takes it over; a's finish fails.
		if held := begin(key("u-1", "b", "fp-1", t0.Add(3*time.Minute)), t0.Add(time.Minute)); held != nil {
			t.Fatalf("stale key not taken over: %+v", held)
		}
		if err := finish("a", "doc-a"); workflow.ErrorCode(err) != workflow.ECONFLICT {
			t.Errorf("finish by the attempt taken over: %v", err)
		}
		if err := db.AbandonIdempotent(ctx, "u-1", "k-1", "a"); err != nil {
			t.Fatal(err)
		}
		if err := finish("b", "doc-b"); err != nil {
			t.Fatalf("finish by the holder: %v", err)
		}
		// Finished: neither a stale time nor giving back changes it.
		if err := db.AbandonIdempotent(ctx, "u-1", "k-1", "b"); err != nil {
			t.Fatal(err)
		}
		held = begin(key("u-1", "d", "fp-1", t0.Add(time.Hour)), t0.Add(time.Hour))
		if held == nil || held.DocumentID != "doc-b" || held.Token != "b" {
			t.Fatalf("finished key: %+v", held)
		}
		// Expired: taken over, finished or not.
		exp := t0.Add(3*time.Minute + workflow.IdempotencyTTL)
		if held := begin(key("u-1", "e", "fp-3", exp), exp.Add(-time.Minute)); held != nil {
			t.Fatalf("expired key not taken over: %+v", held)
		}
		// Given back by its holder: free.
		if err := db.AbandonIdempotent(ctx, "u-1", "k-1", "e"); err != nil {
			t.Fatal(err)
		}
		if held := begin(key("u-1", "f", "fp-4", exp), exp.Add(-time.Minute)); held != nil {
			t.Fatalf("key given back: held %+v", held)
		}
		// u-2's key (begun at t0) expired at exp - 3 min: the purge of a
		// begin more than a minute after the last deletes it, so that a
		// begin back at t0 finds it gone.
		begin(workflow.IdempotencyKey{UserID: "u-3", Key: "x", Token: "g", StartedAt: exp.Add(2 * time.Minute), ExpiresAt: exp.Add(time.Hour)}, exp)
		if held := begin(key("u-2", "h", "fp-5", t0), t0.Add(-time.Minute)); held != nil {
			t.Errorf("expired key not deleted: %+v", held)
		}
	})
}

// TestCreateIdempotentInstances: attempts under one key sent at once to
// two instances sharing the database make one document; each of the
// others is a replay of it or EINPROGRESS, and every later one a replay.
func TestCreateIdempotentInstances(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			e := newTailEnv(t, backend, workflowtest.Signer{})
			h := e.users[workflow.RoleHandler]
			pdf := []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
			in := func() workflow.CreateInput {
				return workflow.CreateInput{Direction: workflow.Outgoing, Type: "QĐ", Subject: "Về việc A", SignerID: e.users[workflow.RoleOfficer].ID,
					File: &workflow.Upload{Name: "a.pdf", Size: int64(len(pdf)), Content: bytes.NewReader(pdf)}, IdempotencyKey: "k-1"}
			}
			const n = 8
			ids, errs := make([]string, n), make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				svc := []*workflow.Service{e.svc, e.otherSvc}[i%2]
				wg.Go(func() {
					d, err := svc.Create(context.Background(), h, in())
					if d != nil {
						ids[i] = d.ID
					}
					errs[i] = err
				})
			}
			wg.Wait()
			var id string
			for i := range n {
				switch {
				case errs[i] == nil && (id == "" || ids[i] == id):
					id = ids[i]
				case workflow.ErrorCode(errs[i]) != workflow.EINPROGRESS:
					t.Errorf("attempt %d: %s, %v", i, ids[i], errs[i])
				}
			}
			docs, _, err := e.db.Documents(context.Background(), workflow.DocumentFilter{SeeAll: true, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			if len(docs) != 1 {
				t.Fatalf("%d documents, want 1", len(docs))
			}
			for _, svc := range []*workflow.Service{e.svc, e.otherSvc} {
				d, created, err := svc.CreateOnce(context.Background(), h, in())
				if err != nil || created || d.ID != docs[0].ID {
					t.Errorf("replay: %v created %v, %v", d, created, err)
				}
			}
		})
	}
}
