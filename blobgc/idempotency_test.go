package blobgc_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync/atomic"
	"testing"

	"github.com/vanthu/vanthu/archive/archivetest"
	"github.com/vanthu/vanthu/blobgc"
	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// failingCommit is a repository whose next transaction fails (the
// database went away at the commit of a create), while the idempotency
// keys work.
type failingCommit struct {
	workflow.Repository
	fail atomic.Bool
}

func (r *failingCommit) Atomic(ctx context.Context, fn func(context.Context, workflow.Tx) error) error {
	if r.fail.CompareAndSwap(true, false) {
		return workflow.Errorf(workflow.EUNAVAILABLE, "database unavailable")
	}
	return r.Repository.Atomic(ctx, fn)
}

// TestIntegrationFailedKeyedAttemptCollected: a create under an
// idempotency key that stored its file and failed to commit leaves a
// blob that no key or row refers to: the collector collects it; the
// request retried under the same key stores it again and creates the
// document, whose file reads back; a replay then stores nothing and the
// blob is referenced. SQLite with the local folder, PostgreSQL with
// MinIO.
func TestIntegrationFailedKeyedAttemptCollected(t *testing.T) {
	for _, st := range stores() {
		backend := st.backend()
		t.Run(st.name+"+"+backend, func(t *testing.T) {
			ctx := context.Background()
			work := st.open(t)
			f := archivetest.New(t, gormdbtest.Open(t, backend), nil)
			repo := &failingCommit{Repository: f.Docs.Repo}
			f.Docs.Blobs, f.Archive.Work, f.DB.WorkStore, f.Docs.Repo = work, work, work, repo
			pdf := testpdf.Make(1, "Công văn gửi lại "+t.Name())
			s := sha256.Sum256(pdf)
			sum := hex.EncodeToString(s[:])
			in := func() workflow.CreateInput {
				return workflow.CreateInput{Direction: workflow.Outgoing, Type: "CV", Subject: "Về việc gửi lại", SignerID: f.Users[workflow.RoleOfficer].ID,
					File: &workflow.Upload{Name: "cv.pdf", Size: int64(len(pdf)), Content: bytes.NewReader(pdf)}, IdempotencyKey: "k-1"}
			}
			h := f.Users[workflow.RoleHandler]
			repo.fail.Store(true)
			if _, err := f.Docs.Create(ctx, h, in()); workflow.ErrorCode(err) != workflow.EUNAVAILABLE {
				t.Fatalf("the failing attempt: %v", err)
			}
			if !exists(t, work, workflow.BlobKey(sum)) {
				t.Fatal("the failed attempt stored no blob: nothing to test")
			}
			age(st)
			c := &blobgc.Collector{Blobs: work, Refs: f.DB, Claims: f.DB, Grace: st.grace}
			rep, err := c.Run(ctx, blobgc.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Collected != 1 || exists(t, work, workflow.BlobKey(sum)) {
				t.Fatalf("report %+v: the failed attempt's blob is not collected", rep)
			}
			d, created, err := f.Docs.CreateOnce(ctx, h, in())
			if err != nil || !created {
				t.Fatalf("retry under the key: created %v, %v", created, err)
			}
			if m, _ := d.MainFile(); m.SHA256 != sum || !exists(t, work, workflow.BlobKey(sum)) {
				t.Fatalf("the document's file %s is not the blob stored again", m.SHA256)
			}
			again, created, err := f.Docs.CreateOnce(ctx, h, in())
			if err != nil || created || again.ID != d.ID {
				t.Fatalf("replay: created %v, %v", created, err)
			}
			age(st)
			if rep, err := c.Run(ctx, blobgc.Options{}); err != nil || rep.Collected != 0 || !exists(t, work, workflow.BlobKey(sum)) {
				t.Fatalf("next run: %+v %v", rep, err)
			}
		})
	}
}
