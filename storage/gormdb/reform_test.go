package gormdb_test

import (
	"context"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// TestReformCounts builds a small office history and checks every count
// of the reform report, and that a viewer who may not see a classified
// document does not have it counted.
func TestReformCounts(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		from := time.Date(2026, 10, 1, 0, 0, 0, 0, workflow.Vietnam)
		to := from.AddDate(0, 1, 0)
		in := from.AddDate(0, 0, 10)
		before := from.AddDate(0, 0, -3)
		out := func(id string, issued time.Time, verdict string, recipients bool, secret bool) *workflow.Document {
			d := incomingDoc(id, 0)
			d.Direction, d.Type, d.State, d.Sender = workflow.Outgoing, "QĐ", workflow.Issued, nil
			d.Register, d.Year, d.Number, d.Notation = workflow.RegisterOutgoing, issued.Year(), len(id)*100+int(id[len(id)-1]), "x"
			d.IssuedAt = &issued
			d.SignerID = "u-officer"
			if verdict != "" {
				d.Verification = &workflow.Verification{Verdict: verdict}
			}
			if recipients {
				d.Recipients = []workflow.Org{{OrgID: "000.00.31.H13", Name: "UBND phường Long Hòa"}}
			}
			if secret {
				d.Confidentiality, d.Register = workflow.Secret, workflow.RegisterConfidential
			}
			return d
		}
		o1 := out("o1", in, workflow.VerdictValid, true, false)
		o2 := out("o2", in, workflow.VerdictValid, true, false)
		o3 := out("o3", in, workflow.VerdictIndeterminate, false, false)
		o4 := out("o4", before, workflow.VerdictValid, true, false) // before the period
		o5 := out("o5", in, workflow.VerdictValid, false, true)     // secret
		i1, i2, i3 := incomingDoc("i1", 0), incomingDoc("i2", 0), incomingDoc("i3", 0)
		for _, d := range []*workflow.Document{i1, i2, i3} {
			d.CreatedAt = in
		}
		i1.ExternalID = "000.00.00.H13,2026/10/11,1/UBND"
		due := workflow.NewDate(2026, 10, 15)
		late := workflow.NewDate(2026, 10, 20)
		i1.DueDate, i2.DueDate, i3.DueDate = &due, &due, &late
		// Outgoing: o1 issued (the 11th) before its due day, o2 after it.
		early := workflow.NewDate(2026, 10, 5)
		o1.DueDate, o2.DueDate = &due, &early
		archived := from.AddDate(0, 0, -40)
		o4.ArchivedAt, o4.State = &archived, workflow.Archived
		i3.ArchivedAt = &archived
		create(t, db, o1, o2, o3, o4, o5, i1, i2, i3)
		err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
			for _, d := range []*workflow.Delivery{
				{DocumentID: "o1", Kind: workflow.DeliverDocument, OrgID: "000.00.31.H13", State: workflow.DeliveryDelivered},
				{DocumentID: "o2", Kind: workflow.DeliverDocument, OrgID: "000.00.31.H13", State: workflow.DeliveryPending},
			} {
				if err := tx.EnqueueDelivery(ctx, d); err != nil {
					return err
				}
			}
			for _, e := range []*workflow.Event{
				// i1 completed on its due day (evening), i2 a day late.
				{DocumentID: "i1", Kind: workflow.EventTransition, Action: workflow.Complete, At: due.Midnight(workflow.Vietnam).Add(20 * time.Hour)},
				{DocumentID: "i2", Kind: workflow.EventTransition, Action: workflow.Complete, At: due.Midnight(workflow.Vietnam).Add(30 * time.Hour)},
				// o4's record exported in the period; i3's read before it.
				{DocumentID: "o4", Kind: workflow.EventArchiveUse, At: in, Data: map[string]string{"use": "export"}},
				{DocumentID: "o4", Kind: workflow.EventArchiveUse, At: in.Add(time.Hour), Data: map[string]string{"use": "retrieve"}},
				{DocumentID: "i3", Kind: workflow.EventArchiveUse, At: before, Data: map[string]string{"use": "retrieve"}},
			} {
				if err := tx.AppendEvent(ctx, e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name string
			f    workflow.ReformFilter
			want workflow.ReformCounts
		}{
			{"OK/all", workflow.ReformFilter{From: from, To: to, SeeAll: true}, workflow.ReformCounts{
				Issued: 4, IssuedTwoLayers: 3, IssuedToAgencies: 2, SentElectronically: 1,
				IncomingElectronic: 1, IncomingPaper: 2, Due: 5, DoneOnTime: 2, Archived: 2, ArchiveUsed: 1}},
			{"OK/viewer without the secret one", workflow.ReformFilter{From: from, To: to, ViewerID: "u-handler"}, workflow.ReformCounts{
				Issued: 3, IssuedTwoLayers: 2, IssuedToAgencies: 2, SentElectronically: 1,
				IncomingElectronic: 1, IncomingPaper: 2, Due: 5, DoneOnTime: 2, Archived: 2, ArchiveUsed: 1}},
			{"OK/the signer sees it", workflow.ReformFilter{From: from, To: to, ViewerID: "u-officer"}, workflow.ReformCounts{
				Issued: 4, IssuedTwoLayers: 3, IssuedToAgencies: 2, SentElectronically: 1,
				IncomingElectronic: 1, IncomingPaper: 2, Due: 5, DoneOnTime: 2, Archived: 2, ArchiveUsed: 1}},
			{"OK/empty period", workflow.ReformFilter{From: to, To: to.AddDate(0, 1, 0), SeeAll: true}, workflow.ReformCounts{Archived: 2}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				got, err := db.ReformCounts(ctx, tc.f)
				if err != nil {
					t.Fatal(err)
				}
				if got != tc.want {
					t.Errorf("got  %+v\nwant %+v", got, tc.want)
				}
			})
		}
	})
}
