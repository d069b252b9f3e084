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
