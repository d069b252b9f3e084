package web

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/vanthu/vanthu/exchange"
	"github.com/vanthu/vanthu/workflow"
)

// TestDeliveriesWatchedUntilSettled: the deliveries section of a sent
// document says how app.js is to refresh it — fast while a delivery is
// pending (data-pending), slower while a recipient may still report a
// status (data-watch: 01, 03, 04, 05, an answer owed to a revocation),
// not at all once every delivery is where it ends (failed, 02, 06, 15, a
// status message delivered) — with the pace configured (Refresh). Before,
// the refresh stopped with the last pending delivery, and 03 to 06 or a
// revocation's answer needed a reload.
func TestDeliveriesWatchedUntilSettled(t *testing.T) {
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	const org = "000.00.31.H13"
	st := func(codes ...string) []workflow.ReceivedStatus {
		var out []workflow.ReceivedStatus
		for i, c := range codes {
			out = append(out, workflow.ReceivedStatus{DocumentID: "sent1", OrgID: org, Code: c, At: at.Add(time.Duration(i) * time.Minute)})
		}
		return out
	}
	doc := func(state workflow.DeliveryState, last string, codes ...string) exchange.DeliveryReport {
		return exchange.DeliveryReport{Delivery: workflow.Delivery{ID: "dl-" + last, DocumentID: "sent1", OrgID: org, OrgName: "UBND phường Long Hòa",
			Kind: workflow.DeliverDocument, State: state, LastStatus: last, UpdatedAt: at}, Statuses: st(codes...)}
	}
	other := func(kind workflow.DeliveryKind, state workflow.DeliveryState) exchange.DeliveryReport {
		return exchange.DeliveryReport{Delivery: workflow.Delivery{ID: "dl-" + string(kind), DocumentID: "sent1", OrgID: org,
			Kind: kind, State: state, UpdatedAt: at}}
	}
	tests := []struct {
		name           string
		revoke         string // the sent document's RevokeState
		reps           []exchange.DeliveryReport
		pending, watch bool // watch: pending or not settled
	}{
		{"pending", "", []exchange.DeliveryReport{doc(workflow.DeliveryPending, "")}, true, true},
		{"delivered, no status yet", "", []exchange.DeliveryReport{doc(workflow.DeliveryDelivered, "")}, false, true},
		{"arrived", "", []exchange.DeliveryReport{doc(workflow.DeliveryDelivered, "01", "01")}, false, true},
		{"registered", "", []exchange.DeliveryReport{doc(workflow.DeliveryDelivered, "03", "01", "03")}, false, true},
		{"assigned", "", []exchange.DeliveryReport{doc(workflow.DeliveryDelivered, "04", "01", "03", "04")}, false, true},
		{"in progress", "", []exchange.DeliveryReport{doc(workflow.DeliveryDelivered, "05", "01", "03", "04", "05")}, false, true},
		{"completed", "", []exchange.DeliveryReport{doc(workflow.DeliveryDelivered, "06", "01", "03", "04", "05", "06")}, false, false},
		{"rejected", "", []exchange.DeliveryReport{doc(workflow.DeliveryDelivered, "02", "02")}, false, false},
		{"failed for good", "", []exchange.DeliveryReport{doc(workflow.DeliveryFailed, "")}, false, false},
		{"completed, one still in progress", "", []exchange.DeliveryReport{doc(workflow.DeliveryDelivered, "06", "06"),
			doc(workflow.DeliveryDelivered, "05", "05")}, false, true},
		{"completed, revocation asked", workflow.RevokeRequested, []exchange.DeliveryReport{doc(workflow.DeliveryDelivered, "06", "06")}, false, true},
		{"completed, revocation acknowledged", workflow.RevokeRequested, []exchange.DeliveryReport{doc(workflow.DeliveryDelivered, "13", "06", "13")}, false, true},
		{"revocation accepted", workflow.RevokeAccepted, []exchange.DeliveryReport{doc(workflow.DeliveryDelivered, "15", "03", "13", "15")}, false, false},
		{"revocation refused, then completed", workflow.RevokeRefused, []exchange.DeliveryReport{doc(workflow.DeliveryDelivered, "06", "03", "13", "16", "06")}, false, false},
		{"revocation refused, still in progress", workflow.RevokeRefused, []exchange.DeliveryReport{doc(workflow.DeliveryDelivered, "16", "03", "13", "16")}, false, true},
		{"revoked by another, this one's answer owed", workflow.RevokeAccepted, []exchange.DeliveryReport{doc(workflow.DeliveryDelivered, "15", "15"),
			doc(workflow.DeliveryDelivered, "13", "06", "13")}, false, true},
		{"revocation request delivered", "", []exchange.DeliveryReport{doc(workflow.DeliveryDelivered, "06", "06"),
			other(exchange.DeliverRevoke, workflow.DeliveryDelivered)}, false, false},
		{"revocation request pending", "", []exchange.DeliveryReport{doc(workflow.DeliveryDelivered, "06", "06"),
			other(exchange.DeliverRevoke, workflow.DeliveryPending)}, true, true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t)
			e.remount(t, Config{Exchange: deliveriesOnly{reps: tt.reps}, Refresh: Refresh{Pending: time.Second, Slow: 5 * time.Second, SlowMax: time.Minute}})
			id := fmt.Sprintf("sent%d", i)
			sent := &workflow.Document{ID: id, Direction: workflow.Outgoing, Type: "QĐ", Subject: "Quyết định đã gửi",
				Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Public, State: workflow.Sent, Version: 6, RevokeState: tt.revoke,
				Recipients: []workflow.Org{{OrgID: org}}, CreatedBy: e.users["vanthu"].ID, CreatedAt: at, UpdatedAt: at}
			if err := e.repo.Atomic(context.Background(), func(ctx context.Context, tx workflow.Tx) error { return tx.CreateDocument(ctx, sent) }); err != nil {
				t.Fatal(err)
			}
			p := e.login("vanthu").get("/documents/" + id)
			if p.Status != http.StatusOK {
				t.Fatalf("GET: %d", p.Status)
			}
			sec := byID(parseHTML(t, p.Body), "deliveries")
			if sec == nil {
				t.Fatalf("no deliveries section:\n%s", p.Body)
			}
			got := map[string]string{}
			for _, a := range []string{"data-pending", "data-watch", "data-every", "data-slow", "data-slow-max"} {
				got[a], _ = attrOf(sec, a)
			}
			want := map[string]string{"data-pending": fmt.Sprint(tt.pending), "data-watch": fmt.Sprint(tt.watch),
				"data-every": "1000", "data-slow": "5000", "data-slow-max": "60000"}
			for a, w := range want {
				if got[a] != w {
					t.Errorf("%s=%q, want %q", a, got[a], w)
				}
			}
		})
	}
}
