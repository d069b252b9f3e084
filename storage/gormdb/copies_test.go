package gormdb_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// TestCopiesConcurrent: copies made at once, of several documents, get
// the numbers 1..n of the year's register of copies, once each, each
// with its row, its event "copied" on its original, its blob named by
// ReferencedBlobs; a copy whose signature fails takes no number; the
// register of the next year starts at 01 again.
func TestCopiesConcurrent(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		blobs := workflowtest.TempBlobs(t)
		pdf := []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
		sum := sha256.Sum256(pdf)
		hexSum := hex.EncodeToString(sum[:])
		if _, err := blobs.Put(ctx, workflow.BlobKey(hexSum), bytes.NewReader(pdf), int64(len(pdf)), hexSum, workflow.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		const docs, n = 4, 24
		for i := range docs {
			d := incomingDoc(docID(i), i)
			d.State, d.Register, d.Year, d.Number = workflow.Registered, workflow.RegisterIncoming, 2026, i+1
			d.Files = []workflow.File{{SHA256: hexSum, Name: "a.pdf", Size: int64(len(pdf)), Kind: workflow.FileMain, CreatedAt: t0}}
			create(t, db, d)
		}
		now := time.Date(2026, 12, 7, 9, 0, 0, 0, workflow.Vietnam)
		var mu sync.Mutex
		ids := 0
		svc := &workflow.Service{Repo: db, Blobs: blobs, Signer: workflowtest.Signer{},
			Agency: workflow.Agency{Name: "UBND quận Bình Thủy", Abbr: "UBND"}, Now: func() time.Time { return now },
			NewID: func() string { mu.Lock(); defer mu.Unlock(); ids++; return fmt.Sprintf("c%03d", ids) }}
		clerk := &workflow.User{ID: "u-clerk", Roles: []workflow.Role{workflow.RoleClerk}}
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				_, errs[i] = svc.MakeCopy(ctx, clerk, docID(i%docs), workflow.CopyInput{Form: workflow.CopySaoY, RequestedFor: fmt.Sprintf("Người thứ %d", i)})
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("copy %d: %v", i, err)
			}
		}
		cs, err := db.CopyRegister(ctx, 2026)
		if err != nil || len(cs) != n {
			t.Fatalf("register of copies: %v, %d lines, want %d", err, len(cs), n)
		}
		for i, c := range cs {
			if c.Number != i+1 || c.Notation != fmt.Sprintf("%02d/SY-UBND", i+1) {
				t.Fatalf("line %d: %d %s, want the numbers 1..%d in order", i, c.Number, c.Notation, n)
			}
		}
		copied := 0
		for i := range docs {
			evs, _ := db.Events(ctx, docID(i))
			for _, e := range evs {
				if e.Kind == workflow.EventCopied {
					copied++
				}
			}
			if of, _ := db.CopiesOf(ctx, docID(i)); len(of) != n/docs {
				t.Errorf("%s has %d copies, want %d", docID(i), len(of), n/docs)
			}
		}
		if copied != n {
			t.Errorf("%d events copied, want %d", copied, n)
		}
		var refs []string
		if err := db.ReferencedBlobs(ctx, func(s string) error { refs = append(refs, s); return nil }); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(refs, cs[0].SHA256) {
			t.Errorf("ReferencedBlobs does not name the copy's blob %s", cs[0].SHA256)
		}
		got, err := db.Copy(ctx, cs[0].ID)
		if err != nil || *got != cs[0] || !got.CreatedAt.Equal(now) {
			t.Errorf("Copy(%s) = %+v, %v, want %+v", cs[0].ID, got, err, cs[0])
		}
		svc.Signer = failingSigner{}
		if _, err := svc.MakeCopy(ctx, clerk, docID(0), workflow.CopyInput{Form: workflow.CopySaoY, RequestedFor: "X"}); err == nil {
			t.Fatal("a failed signature made a copy")
		}
		svc.Signer = workflowtest.Signer{}
		if c, err := svc.MakeCopy(ctx, clerk, docID(0), workflow.CopyInput{Form: workflow.CopySaoY, RequestedFor: "X"}); err != nil || c.Number != n+1 {
			t.Fatalf("the copy after a failed one: %v %+v, want number %d", err, c, n+1)
		}
		now = time.Date(2027, 1, 1, 0, 30, 0, 0, workflow.Vietnam)
		for _, want := range []string{"01/SY-UBND", "02/SL-UBND"} {
			form := workflow.CopyForm(want[3:5])
			d := docID(0)
			if form == workflow.CopySaoLuc { // a letter received over the exchange: an electronic original
				d = docID(1)
				setExternalID(t, db, d)
			}
			c, err := svc.MakeCopy(ctx, clerk, d, workflow.CopyInput{Form: form, RequestedFor: "X"})
			if err != nil || c.Notation != want || c.Year != 2027 {
				t.Fatalf("copy in 2027: %v %+v, want %s", err, c, want)
			}
		}
	})
}

type failingSigner struct{ workflowtest.Signer }

func (failingSigner) SignCopy(context.Context, *workflow.Copy, []byte) ([]byte, error) {
	return nil, workflow.Errorf(workflow.EUNAVAILABLE, "the agency key is out")
}

func setExternalID(t *testing.T, db *gormdb.DB, id string) {
	t.Helper()
	err := db.Atomic(context.Background(), func(ctx context.Context, tx workflow.Tx) error {
		d, err := tx.LockDocument(ctx, id)
		if err != nil {
			return err
		}
		prev := d.Version
		d.ExternalID, d.Version = "000.00.00.H13,2026/11/20,"+id, d.Version+1
		return tx.UpdateDocument(ctx, d, prev)
	})
	if err != nil {
		t.Fatal(err)
	}
}
