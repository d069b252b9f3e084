package gormdb_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// TestRefusals checks the clerks' refused deliveries against the rule
// evaluated in Go (workflow.Unseen over each document's events): over 60
// documents — incoming ones (never listed), classified ones (only for
// who sees them), refusals marked seen (gone), refused again after the
// mark (back, with the new refusal only), two agencies on one document —
// the same documents, newest refusal first, the same refusals and count,
// on a page smaller than the whole.
func TestRefusals(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		var docs []*workflow.Document
		for i := range 60 {
			d := incomingDoc(docID(i), i)
			if i%6 != 5 {
				d.Direction, d.Sender, d.State = workflow.Outgoing, nil, workflow.Sent
			}
			if i%7 == 0 {
				d.Confidentiality = workflow.Secret
			}
			docs = append(docs, d)
		}
		create(t, db, docs...)
		var evs []*workflow.Event
		for i := range 60 {
			for _, j := range []int{i, (i * 17) % 60} { // the second pass refuses again, in another order
				d := docs[j]
				dl := workflow.Delivery{DocumentID: d.ID, OrgID: fmt.Sprintf("000.00.%02d.H13", j%3), OrgName: "UBND phường " + fmt.Sprint(j%3)}
				evs = append(evs, workflow.DeliveryRefused(dl, "02", "Sai thể thức "+d.ID, t0))
				if (i+j)%4 == 0 {
					evs = append(evs, &workflow.Event{DocumentID: d.ID, Actor: "u-clerk", Kind: workflow.EventRefusalsSeen, At: t0})
				}
			}
		}
		err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
			for _, e := range evs {
				if err := tx.AppendEvent(ctx, e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, viewer := range []workflow.RefusalQuery{{ViewerID: "u-clerk", SeeAll: true, Limit: 10}, {ViewerID: "u-x", Limit: 10}} {
			t.Run(fmt.Sprint("see all ", viewer.SeeAll), func(t *testing.T) {
				var want []workflow.RefusedDocument
				for _, d := range docs {
					all, err := db.Events(ctx, d.ID)
					if err != nil {
						t.Fatal(err)
					}
					un := workflow.Unseen(all)
					if d.Direction == workflow.Outgoing && len(un) > 0 && (viewer.SeeAll || !d.Confidentiality.Classified()) {
						want = append(want, workflow.RefusedDocument{Doc: d, Refusals: un})
					}
				}
				slices.SortFunc(want, func(a, b workflow.RefusedDocument) int { return int(b.Refusals[0].Seq - a.Refusals[0].Seq) })
				n, err := db.CountRefusals(ctx, viewer)
				if err != nil || n != len(want) {
					t.Fatalf("CountRefusals = %d, %v; want %d", n, err, len(want))
				}
				if len(want) <= viewer.Limit {
					t.Fatalf("the test wants more than a page of refused documents, has %d", len(want))
				}
				got, err := db.Refusals(ctx, viewer)
				if err != nil {
					t.Fatal(err)
				}
				want = want[:viewer.Limit]
				if len(got) != len(want) {
					t.Fatalf("Refusals: %d documents, want %d", len(got), len(want))
				}
				for i := range want {
					if got[i].Doc.ID != want[i].Doc.ID || got[i].Doc.Subject != want[i].Doc.Subject {
						t.Errorf("row %d: %s, want %s", i, got[i].Doc.ID, want[i].Doc.ID)
					}
					if fmt.Sprint(seqs(got[i].Refusals)) != fmt.Sprint(seqs(want[i].Refusals)) {
						t.Errorf("row %d (%s): refusals %v, want %v", i, want[i].Doc.ID, seqs(got[i].Refusals), seqs(want[i].Refusals))
					}
					if r := got[i].Refusals[0]; r.Data["org_name"] == "" || r.Comment != "Sai thể thức "+want[i].Doc.ID {
						t.Errorf("row %d: refusal %+v lost its agency or reason", i, r)
					}
				}
			})
		}
	})
}

func seqs(evs []workflow.Event) []int64 {
	out := make([]int64, len(evs))
	for i, e := range evs {
		out[i] = e.Seq
	}
	return out
}
