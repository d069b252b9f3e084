package gormdb_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
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
// ReferencedBlobs, and no reservation left; a copy whose signature fails
// takes no number (its number, the last, is given back); the register of
// the next year starts at 01 again; a trích sao is read back with its
// pages.
func TestCopiesConcurrent(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		const docs, n = 4, 24
		now := time.Date(2026, 12, 7, 9, 0, 0, 0, workflow.Vietnam)
		svc := copyService(t, db, docs, func() time.Time { return now })
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
		if rs, err := db.ReservationsOf(ctx, workflow.RegisterCopies, 2026); err != nil || len(rs) != 0 {
			t.Errorf("reservations of the register of copies left: %+v, %v", rs, err)
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
		for _, want := range []string{"01/SY-UBND", "02/SL-UBND", "03/TS-UBND"} {
			form := workflow.CopyForm(want[3:5])
			d, pages := docID(0), ""
			switch form {
			case workflow.CopySaoLuc: // a letter received over the exchange: an electronic original
				d = docID(1)
				setExternalID(t, db, d)
			case workflow.CopyTrichSao:
				d, pages = docID(1), "1,3-4"
			}
			c, err := svc.MakeCopy(ctx, clerk, d, workflow.CopyInput{Form: form, RequestedFor: "X", Pages: pages})
			if err != nil || c.Notation != want || c.Year != 2027 {
				t.Fatalf("copy in 2027: %v %+v, want %s", err, c, want)
			}
			// A trích sao's pages are kept with it (the pages column).
			if got, err := db.Copy(ctx, c.ID); err != nil || got.Form != form || got.Pages != pages {
				t.Errorf("Copy(%s) = %+v, %v, want form %s, pages %q", c.ID, got, err, form, pages)
			}
		}
	})
}

// copyService makes docs registered letters with a PDF and the service
// that copies them at now().
func copyService(t *testing.T, db *gormdb.DB, docs int, now func() time.Time) *workflow.Service {
	t.Helper()
	blobs := workflowtest.TempBlobs(t)
	pdf := []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
	sum := sha256.Sum256(pdf)
	hexSum := hex.EncodeToString(sum[:])
	if _, err := blobs.Put(context.Background(), workflow.BlobKey(hexSum), bytes.NewReader(pdf), int64(len(pdf)), hexSum, workflow.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	for i := range docs {
		d := incomingDoc(docID(i), i)
		d.State, d.Register, d.Year, d.Number = workflow.Registered, workflow.RegisterIncoming, 2026, i+1
		d.Files = []workflow.File{{SHA256: hexSum, Name: "a.pdf", Size: int64(len(pdf)), Kind: workflow.FileMain, CreatedAt: t0}}
		create(t, db, d)
	}
	var mu sync.Mutex
	ids := 0
	return &workflow.Service{Repo: db, Blobs: blobs, Signer: workflowtest.Signer{},
		Agency: workflow.Agency{Name: "UBND quận Bình Thủy", Abbr: "UBND"}, Now: now,
		NewID: func() string { mu.Lock(); defer mu.Unlock(); ids++; return fmt.Sprintf("c%03d", ids) }}
}

type failingSigner struct{ workflowtest.Signer }

func (failingSigner) SignCopy(context.Context, *workflow.Copy, []byte) ([]byte, error) {
	return nil, workflow.Errorf(workflow.EUNAVAILABLE, "the agency key is out")
}

func setExternalID(t *testing.T, db *gormdb.DB, id string) {
	t.Helper()
	if err := workflowtest.MarkExchanged(context.Background(), db, id, "000.00.00.H13,2026/11/20,"+id); err != nil {
		t.Fatal(err)
	}
}

// blockingSigner signs copies; the first one after armed is set blocks:
// it sends the copy's number on entered, then fails with what release
// sends (or signs on nil).
type blockingSigner struct {
	workflowtest.Signer
	armed   *atomic.Bool
	entered chan int
	release chan error
}

func (b blockingSigner) SignCopy(ctx context.Context, c *workflow.Copy, pdf []byte) ([]byte, error) {
	if b.armed.CompareAndSwap(true, false) {
		b.entered <- c.Number
		if err := <-b.release; err != nil {
			return nil, err
		}
	}
	return b.Signer.SignCopy(ctx, c, pdf)
}

// TestCopySignedOutsideTransaction: while a copy is being signed (its
// signer blocked), another copy is made and numbered after it and a
// document is created and submitted — neither waits for the signature
// (on SQLite the one writer was held by the copy's transaction); the
// blocked copy's signature then fails, and its number, no longer the
// register's last, is voided: kept in the register of copies as voided
// with the reason, an event number_voided on its original; the next
// copy takes the next number. A copy whose reservation the sweep
// resolved (its server presumed gone) fails with ECONFLICT and leaves
// the register gapless.
func TestCopySignedOutsideTransaction(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 7, 9, 0, 0, 0, workflow.Vietnam)
		svc := copyService(t, db, 1, func() time.Time { return now })
		clerk := &workflow.User{ID: "u-clerk", Roles: []workflow.Role{workflow.RoleClerk}}
		in := workflow.CopyInput{Form: workflow.CopySaoY, RequestedFor: "Tòa án"}
		b := blockingSigner{armed: new(atomic.Bool), entered: make(chan int, 1), release: make(chan error, 1)}
		svc.Signer = b
		blocked := func() <-chan error {
			done := make(chan error, 1)
			b.armed.Store(true)
			go func() { _, err := svc.MakeCopy(ctx, clerk, docID(0), in); done <- err }()
			if n := <-b.entered; n < 1 {
				t.Fatalf("signing copy number %d", n)
			}
			return done
		}
		done := blocked()
		meanwhile := make(chan error, 1)
		go func() {
			c, err := svc.MakeCopy(ctx, clerk, docID(0), in)
			if err == nil && c.Number != 2 {
				err = fmt.Errorf("the copy made meanwhile has number %d, want 2", c.Number)
			}
			if err == nil {
				err = registerNewLetter(ctx, db)
			}
			meanwhile <- err
		}()
		select {
		case err := <-meanwhile:
			if err != nil {
				t.Fatalf("while a copy was being signed: %v", err)
			}
		case <-time.After(20 * time.Second):
			b.release <- nil
			t.Fatal("a copy and a letter's registration waited for another copy's signature")
		}
		b.release <- workflow.Errorf(workflow.EUNAVAILABLE, "the agency key is out")
		if err := <-done; workflow.ErrorCode(err) != workflow.EUNAVAILABLE {
			t.Fatalf("the failed copy: %v, want EUNAVAILABLE", err)
		}
		checkVoidedCopy(t, db, svc, clerk)
		if c, err := svc.MakeCopy(ctx, clerk, docID(0), in); err != nil || c.Number != 3 {
			t.Fatalf("the copy after the voided number: %v %+v, want number 3", err, c)
		}

		done = blocked() // number 4, held past the reservations' TTL
		now = now.Add(workflow.DefaultReservationTTL + time.Minute)
		if n := svc.SweepReservations(ctx); n != 1 {
			t.Errorf("the sweep resolved %d reservations, want 1", n)
		}
		b.release <- nil
		if err := <-done; workflow.ErrorCode(err) != workflow.ECONFLICT {
			t.Fatalf("a copy whose number was swept: %v, want ECONFLICT", err)
		}
		if c, err := svc.MakeCopy(ctx, clerk, docID(0), in); err != nil || c.Number != 4 {
			t.Fatalf("the copy after the swept one: %v %+v, want number 4 (given back)", err, c)
		}
	})
}

// registerNewLetter creates a letter and registers it (event register): two
// transactions of another kind than a copy's.
func registerNewLetter(ctx context.Context, db *gormdb.DB) error {
	d := incomingDoc("d-other", 99)
	if err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error { return tx.CreateDocument(ctx, d) }); err != nil {
		return fmt.Errorf("create: %w", err)
	}
	return db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		cur, err := tx.LockDocument(ctx, d.ID)
		if err != nil {
			return err
		}
		prev := cur.Version
		cur.State, cur.Version = workflow.Registered, cur.Version+1
		if err := tx.UpdateDocument(ctx, cur, prev); err != nil {
			return err
		}
		return tx.AppendEvent(ctx, &workflow.Event{DocumentID: cur.ID, Actor: "u-clerk", Kind: workflow.EventKind("register"), At: t0})
	})
}

// checkVoidedCopy: number 1 of the register of copies 2026 is voided
// (reservation, event on the original, register line), number 2 a copy.
func checkVoidedCopy(t *testing.T, db *gormdb.DB, svc *workflow.Service, clerk *workflow.User) {
	t.Helper()
	ctx := context.Background()
	rs, err := db.ReservationsOf(ctx, workflow.RegisterCopies, 2026)
	if err != nil || len(rs) != 1 || rs[0].Number != 1 || rs[0].State != workflow.NumberVoided || rs[0].Document() != docID(0) ||
		!strings.Contains(rs[0].Reason, "the agency key is out") {
		t.Fatalf("reservations of the register of copies: %+v, %v; want number 1 voided for %s", rs, err, docID(0))
	}
	evs, _ := db.Events(ctx, docID(0))
	if !slices.ContainsFunc(evs, func(e workflow.Event) bool {
		return e.Kind == workflow.EventNumberVoided && e.Data["register"] == "copies" && e.Data["notation"] == "01/SY-UBND"
	}) {
		t.Errorf("no event number_voided of copy 01/SY-UBND on %s", docID(0))
	}
	lines, err := svc.CopyRegister(ctx, clerk, 2026)
	if err != nil || len(lines) != 2 {
		t.Fatalf("register of copies: %v, %d lines, want 2", err, len(lines))
	}
	if l := lines[0]; l.Number != 1 || l.State != workflow.NumberVoided || !strings.HasPrefix(l.Note(), "Số đã hủy") || l.Original == nil || l.Original.ID != docID(0) {
		t.Errorf("line 1: %+v, want number 1 voided, of %s", l, docID(0))
	}
	if l := lines[1]; l.Number != 2 || l.State != "" || l.SHA256 == "" {
		t.Errorf("line 2: %+v, want the copy numbered 2", l)
	}
}
