package workflow_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// countingRepo counts the reads of documents: one at a time (Document)
// and in a batch (DocumentsByID).
type countingRepo struct {
	*workflowtest.Repository
	one, batches int
}

func (r *countingRepo) Document(ctx context.Context, id string) (*workflow.Document, error) {
	r.one++
	return r.Repository.Document(ctx, id)
}

func (r *countingRepo) DocumentsByID(ctx context.Context, ids []string) (map[string]*workflow.Document, error) {
	r.batches++
	return r.Repository.DocumentsByID(ctx, ids)
}

// TestCopyRegisterReadsOriginalsAtOnce: the register of copies reads its
// originals in one batch, not one read per line, and gives the lines it
// gave with a read per line (VisibleDocument): each with its original,
// the line of a copy whose original is gone left out.
func TestCopyRegisterReadsOriginalsAtOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	clerk := e.users[workflow.RoleClerk]
	issued := e.walkTo(t, workflow.Outgoing, workflow.Issued)
	paper := e.walkTo(t, workflow.Incoming, workflow.Registered)
	for i := range 6 {
		d := []*workflow.Document{issued, paper}[i%2]
		if _, err := e.svc.MakeCopy(ctx, clerk, d.ID, workflow.CopyInput{Form: workflow.CopySaoY, RequestedFor: fmt.Sprintf("Người %d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	err := e.repo.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		return tx.(workflow.CopyWriter).CreateCopy(ctx, &workflow.Copy{ID: "c-gone", DocumentID: "d-gone", Year: 2026, Number: 7, Notation: "07/SY-UBND"})
	})
	if err != nil {
		t.Fatal(err)
	}
	copies, err := e.repo.CopyRegister(ctx, 2026)
	if err != nil || len(copies) != 7 {
		t.Fatalf("copies: %v, %d, want 7", err, len(copies))
	}
	var want []string // number: original, read one line at a time
	for _, c := range copies {
		if d, err := workflow.VisibleDocument(ctx, e.repo, clerk, c.DocumentID); err == nil {
			want = append(want, fmt.Sprintf("%d:%s", c.Number, d.ID))
		}
	}
	r := &countingRepo{Repository: e.repo}
	e.svc.Repo = r
	lines, err := e.svc.CopyRegister(ctx, clerk, 2026)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range lines {
		got = append(got, fmt.Sprintf("%d:%s", l.Number, l.Original.ID))
	}
	if fmt.Sprint(got) != fmt.Sprint(want) || len(got) != 6 {
		t.Errorf("lines %v, want %v (6, without number 7's)", got, want)
	}
	if r.one != 0 || r.batches != 1 {
		t.Errorf("%d reads of one document and %d batches for %d lines, want 0 and 1", r.one, r.batches, len(copies))
	}
}

// TestVisibleDocumentsIsVisibleDocument: for every role, the documents
// VisibleDocuments gives are those VisibleDocument gives one by one — a
// classified one only to who may see it, one that does not exist to
// nobody.
func TestVisibleDocumentsIsVisibleDocument(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ids := []string{e.create(t, workflow.Outgoing, workflow.Public).ID, e.create(t, workflow.Outgoing, workflow.Secret).ID,
		e.create(t, workflow.Incoming, workflow.TopSecret).ID, "d-gone"}
	hidden := 0
	for _, u := range append([]*workflow.User{e.other}, e.users[workflow.RoleHandler], e.users[workflow.RoleOfficer], e.users[workflow.RoleClerk],
		e.users[workflow.RoleArchivist], e.users[workflow.RoleAdmin]) {
		got, err := workflow.VisibleDocuments(ctx, e.repo, u, ids)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			d, err := workflow.VisibleDocument(ctx, e.repo, u, id)
			if err != nil && workflow.ErrorCode(err) != workflow.ENOTFOUND {
				t.Fatal(err)
			}
			if (got[id] != nil) != (d != nil) || (d != nil && got[id].ID != d.ID) {
				t.Errorf("%s, %s: VisibleDocuments gives %v, VisibleDocument %v", u.Username, id, got[id] != nil, d != nil)
			}
			if d == nil && id != "d-gone" {
				hidden++
			}
		}
		if len(got) > len(ids)-1 {
			t.Errorf("%s: %d documents of %d IDs, one of no document", u.Username, len(got), len(ids))
		}
	}
	if hidden == 0 {
		t.Fatal("no classified document hidden from anyone: the test shows nothing")
	}
}

// TestRegisterReservationsReadAtOnce: the reserved and voided numbers of
// a register read their documents in one batch, not one read per
// number, with the rule they had: a number whose document is gone keeps
// its line without it, one of a document the reader may not see has no
// line.
func TestRegisterReservationsReadAtOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	public, secret := e.create(t, workflow.Outgoing, workflow.Public), e.create(t, workflow.Outgoing, workflow.Secret)
	err := e.repo.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		for i, id := range []string{public.ID, secret.ID, "d-gone"} {
			res := &workflow.Reservation{ID: fmt.Sprintf("r-%d", i), Register: workflow.RegisterOutgoing, Year: 2026, Number: i + 1,
				DocumentID: id, State: workflow.NumberVoided, CreatedAt: e.now}
			if err := tx.CreateReservation(ctx, res); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r := &countingRepo{Repository: e.repo}
	e.svc.Repo = r
	for _, tc := range []struct {
		who  *workflow.User
		want string // number:document ("-" for none)
	}{
		{e.users[workflow.RoleClerk], "[1:" + public.ID + " 2:" + secret.ID + " 3:-]"},
		{e.other, "[1:" + public.ID + " 3:-]"},
	} {
		r.one, r.batches = 0, 0
		rs, err := e.svc.RegisterReservations(ctx, tc.who, workflow.RegisterOutgoing, 2026)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, x := range rs {
			id := "-"
			if x.Document != nil {
				id = x.Document.ID
			}
			got = append(got, fmt.Sprintf("%d:%s", x.Number, id))
		}
		if fmt.Sprint(got) != tc.want {
			t.Errorf("%s: %v, want %s", tc.who.Username, got, tc.want)
		}
		if r.one != 0 || r.batches != 1 {
			t.Errorf("%s: %d reads of one document and %d batches, want 0 and 1", tc.who.Username, r.one, r.batches)
		}
	}
}
