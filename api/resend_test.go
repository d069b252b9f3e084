package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// TestResendDelivery: POST /documents/{id}/deliveries/{delivery}/resend
// makes a delivery failed for good due again ({"resent":true}); a second
// POST changes nothing ({"resent":false}); a handler is refused (403), a
// delivery the document does not have is 404.
func TestResendDelivery(t *testing.T) {
	var docs *workflow.Service
	f := newFixtureWith(t, 10<<20, func(s *workflow.Service) { docs = s })
	d := f.create(t, "handler", f.outgoingMeta())
	err := docs.Repo.Atomic(context.Background(), func(ctx context.Context, tx workflow.Tx) error {
		return tx.EnqueueDelivery(ctx, &workflow.Delivery{ID: "dl-failed", DocumentID: d.ID, Kind: workflow.DeliverDocument,
			OrgID: "000.00.31.H13", OrgName: "UBND phường Long Hòa", State: workflow.DeliveryFailed, LastError: "peer answered 403",
			CreatedAt: time.Now(), UpdatedAt: time.Now()})
	})
	if err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/documents/" + d.ID + "/deliveries/dl-failed/resend"
	if rec := f.do(t, "handler", http.MethodPost, path, nil, ""); rec.Code != http.StatusForbidden {
		t.Errorf("handler: %d %s", rec.Code, rec.Body)
	}
	for i, want := range []string{`{"resent":true}`, `{"resent":false}`} {
		rec := f.do(t, "clerk", http.MethodPost, path, nil, "")
		if rec.Code != http.StatusOK || strings.TrimSpace(rec.Body.String()) != want {
			t.Errorf("POST %d: %d %s, want %s", i+1, rec.Code, rec.Body, want)
		}
	}
	if rec := f.do(t, "clerk", http.MethodPost, "/api/v1/documents/"+d.ID+"/deliveries/none/resend", nil, ""); rec.Code != http.StatusNotFound {
		t.Errorf("no such delivery: %d %s", rec.Code, rec.Body)
	}
}
