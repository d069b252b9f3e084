package gormdb_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
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

// TestRefusalsStatements: a page of refused documents costs three
// statements whatever its size (the page, its rows, its events) and the
// count one — never one per row — on every backend, counted in the
// slow-query log with every statement slow.
func TestRefusalsStatements(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			db, buf := openLogged(t, backend)
			ctx := context.Background()
			var docs []*workflow.Document
			for i := range 40 {
				d := incomingDoc(docID(i), i)
				d.Direction, d.Sender, d.State = workflow.Outgoing, nil, workflow.Sent
				docs = append(docs, d)
			}
			create(t, db, docs...)
			err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				for _, d := range docs {
					for _, org := range []string{"000.00.31.H13", "000.00.32.H13"} {
						dl := workflow.Delivery{DocumentID: d.ID, OrgID: org, OrgName: org}
						if err := tx.AppendEvent(ctx, workflow.DeliveryRefused(dl, "02", "Sai thể thức", t0)); err != nil {
							return err
						}
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			db.SetSlowQueryThreshold(0)
			for _, limit := range []int{1, 5, 40} {
				before := strings.Count(buf.String(), "slow query")
				got, err := db.Refusals(ctx, workflow.RefusalQuery{SeeAll: true, Limit: limit})
				if err != nil {
					t.Fatal(err)
				}
				n := strings.Count(buf.String(), "slow query") - before
				if len(got) != limit || len(got[0].Refusals) != 2 || n != 3 {
					t.Errorf("a page of %d: %d rows (%d refusals in the first), %d statements; want %d rows of 2, 3 statements",
						limit, len(got), len(got[0].Refusals), n, limit)
				}
			}
			before := strings.Count(buf.String(), "slow query")
			if n, err := db.CountRefusals(ctx, workflow.RefusalQuery{SeeAll: true}); err != nil || n != 40 {
				t.Errorf("CountRefusals = %d, %v", n, err)
			}
			if n := strings.Count(buf.String(), "slow query") - before; n != 1 {
				t.Errorf("the count took %d statements", n)
			}
		})
	}
}

// TestRefusalPlans: the page of refused documents and its count read the
// refusals from their partial index (audit_events_refused), and whether
// a mark seen follows from the marks' (audit_events_refused_seen), not
// the whole audit trail — which is nearly all other events.
func TestRefusalPlans(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		var docs []*workflow.Document
		for i := range 50 {
			d := incomingDoc(docID(i), i)
			d.Direction, d.Sender, d.State = workflow.Outgoing, nil, workflow.Sent
			docs = append(docs, d)
		}
		create(t, db, docs...)
		err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
			for i := range 2000 {
				d := docs[i%len(docs)]
				e := &workflow.Event{DocumentID: d.ID, Actor: "u-x", Kind: workflow.EventComment, Comment: "ý kiến", At: t0}
				if i%100 == 0 {
					e = workflow.DeliveryRefused(workflow.Delivery{DocumentID: d.ID, OrgID: "000.00.31.H13"}, "02", "Sai", t0)
				}
				if i%300 == 0 {
					e = &workflow.Event{DocumentID: d.ID, Actor: "u-x", Kind: workflow.EventRefusalsSeen, At: t0}
				}
				if err := tx.AppendEvent(ctx, e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Gorm().Exec("ANALYZE").Error; err != nil {
			t.Fatal(err)
		}
		page, count := gormdb.RefusalsSQL(db, workflow.RefusalQuery{ViewerID: "u-x", Limit: 50})
		for name, sql := range map[string]string{"page": page, "count": count} {
			plan := explain(t, db, sql, false)
			for _, idx := range []string{"audit_events_refused", "audit_events_refused_seen"} {
				if !regexp.MustCompile(idx + `\b`).MatchString(plan) {
					t.Errorf("%s does not use %s:\n%s\n%s", name, idx, sql, plan)
				}
			}
		}
	})
}
