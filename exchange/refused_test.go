package exchange

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// TestRefusalsWriteTheTrail: a delivery failed for good (here: to an
// agency no longer connected) and a recipient's refusal (status 02) each
// write one delivery_refused event, which tells the clerks (notify), in
// the transaction that records them, on both databases; the same refusal
// received again writes none, nor does another status.
func TestRefusalsWriteTheTrail(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		dl := &workflow.Delivery{DocumentID: "d1", Kind: workflow.DeliverDocument, OrgID: "000.00.99.H13", OrgName: "UBND xã Cũ"}
		if err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error { return tx.EnqueueDelivery(ctx, dl) }); err != nil {
			t.Fatal(err)
		}
		claimed, err := db.ClaimDeliveries(ctx, time.Now(), time.Minute, 10)
		if err != nil || len(claimed) != 1 {
			t.Fatalf("claimed %v, %v", claimed, err)
		}
		w := &Worker{Store: db, Repo: db, Trail: db}
		w.deliver(ctx, handed{dl: claimed[0]})
		if ds, _ := db.Deliveries(ctx, "d1"); len(ds) != 1 || ds[0].State != workflow.DeliveryFailed {
			t.Fatalf("deliveries %+v, want one failed", ds)
		}
		e := refusals(t, db, "d1")
		if len(e) != 1 || e[0].Actor != workflow.Exchange.ID || e[0].Data["org_id"] != dl.OrgID || e[0].Data["org_name"] != dl.OrgName ||
			e[0].Data["delivery"] != "document" || e[0].Data["status"] != "" || !strings.Contains(e[0].Comment, "not a connected agency") {
			t.Errorf("failed delivery's events: %+v", e)
		}

		r := &Receiver{Repo: db, Store: db}
		peer := &Agency{OrgID: "000.00.31.H13", Name: "UBND phường Long Hòa"}
		at := time.Now().Truncate(time.Second)
		if err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
			return tx.EnqueueDelivery(ctx, &workflow.Delivery{DocumentID: "d2", Kind: workflow.DeliverDocument, OrgID: peer.OrgID, OrgName: peer.Name})
		}); err != nil {
			t.Fatal(err)
		}
		for _, st := range []ReceivedStatus{
			{DocumentID: "d2", OrgID: peer.OrgID, Code: "01", At: at.Add(-time.Minute), ReceivedAt: at},
			{DocumentID: "d2", OrgID: peer.OrgID, Code: "02", Description: " Không đúng thẩm quyền ", At: at, ReceivedAt: at},
			{DocumentID: "d2", OrgID: peer.OrgID, Code: "02", Description: " Không đúng thẩm quyền ", At: at, ReceivedAt: at}, // again
		} {
			if _, err := r.recordStatus(ctx, peer, st); err != nil {
				t.Fatal(err)
			}
		}
		e = refusals(t, db, "d2")
		if len(e) != 1 || e[0].Data["status"] != "02" || e[0].Data["org_id"] != peer.OrgID || e[0].Data["org_name"] != peer.Name ||
			e[0].Comment != "Không đúng thẩm quyền" {
			t.Errorf("refusal's events: %+v", e)
		}
	})
}

// refusals are the delivery_refused events of document id.
func refusals(t *testing.T, db *gormdb.DB, id string) []workflow.Event {
	t.Helper()
	evs, err := db.Events(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var out []workflow.Event
	for _, e := range evs {
		if e.Kind == workflow.EventDeliveryRefused {
			out = append(out, e)
		}
	}
	return out
}

// TestRefusalOncePerSend: a peer that stamps its refusal (02) anew on each
// of our retries, or sends it again, refused the delivery once: the first
// copy writes the delivery_refused event (the clerks' inbox, their mail),
// the others are recorded among the statuses and write nothing; after a
// clerk sends the delivery again (ResendDelivery), a refusal is a new one;
// another agency's refusal of the same document is its own. On both
// databases.
func TestRefusalOncePerSend(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		at := time.Now().Truncate(time.Second)
		clerk := &workflow.User{ID: "u-clerk", Username: "vanthu", Roles: []workflow.Role{workflow.RoleClerk}}
		b := &Agency{OrgID: "000.00.31.H13", Name: "UBND phường Long Hòa"}
		c := &Agency{OrgID: "000.00.32.H13", Name: "UBND phường An Thới"}
		doc := &workflow.Document{ID: "out-refused", Direction: workflow.Outgoing, Type: "QĐ", Subject: "Quyết định",
			Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Public, State: workflow.Sent, Version: 7,
			Recipients: []workflow.Org{{OrgID: b.OrgID}, {OrgID: c.OrgID}}, CreatedBy: clerk.ID, CreatedAt: at, UpdatedAt: at}
		dlB := &workflow.Delivery{ID: "dl-b", DocumentID: doc.ID, Kind: workflow.DeliverDocument, OrgID: b.OrgID, OrgName: b.Name}
		dlC := &workflow.Delivery{ID: "dl-c", DocumentID: doc.ID, Kind: workflow.DeliverDocument, OrgID: c.OrgID, OrgName: c.Name}
		err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
			if err := tx.CreateDocument(ctx, doc); err != nil {
				return err
			}
			if err := tx.EnqueueDelivery(ctx, dlB); err != nil {
				return err
			}
			return tx.EnqueueDelivery(ctx, dlC)
		})
		if err != nil {
			t.Fatal(err)
		}
		r := &Receiver{Repo: db, Store: db}
		docs := &workflow.Service{Repo: db, Now: func() time.Time { return at }}
		refuse := func(peer *Agency, m int) {
			t.Helper()
			st := ReceivedStatus{DocumentID: doc.ID, OrgID: peer.OrgID, Code: "02", Description: "Không đúng thẩm quyền",
				At: at.Add(time.Duration(m) * time.Minute), ReceivedAt: at}
			if _, err := r.recordStatus(ctx, peer, st); err != nil {
				t.Fatal(err)
			}
		}
		count := func() int { t.Helper(); return len(refusals(t, db, doc.ID)) }
		for _, step := range []struct {
			name string
			do   func()
			want int
		}{
			{"the first refusal", func() { refuse(b, 1) }, 1},
			{"stamped anew on our retries", func() { refuse(b, 2); refuse(b, 3) }, 1},
			{"sent again as it was", func() { refuse(b, 1) }, 1},
			{"another agency's", func() { refuse(c, 2) }, 2},
			{"after a re-send", func() {
				if err := db.MarkFailed(ctx, dlB.ID, at, "peer answered 409"); err != nil {
					t.Fatal(err)
				}
				if ok, err := docs.ResendDelivery(ctx, clerk, doc.ID, dlB.ID, time.Time{}); err != nil || !ok {
					t.Fatalf("resend: %v %v", ok, err)
				}
				refuse(b, 4)
			}, 3},
			{"the new refusal stamped anew", func() { refuse(b, 5) }, 3},
		} {
			step.do()
			if n := count(); n != step.want {
				t.Fatalf("%s: %d delivery_refused events, want %d", step.name, n, step.want)
			}
		}
		sts, err := db.Statuses(ctx, doc.ID)
		if err != nil || len(sts) != 6 {
			t.Fatalf("%d statuses recorded (%v), want every copy but the one sent again as it was: 6", len(sts), err)
		}
	})
}
