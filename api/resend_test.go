package api_test

import (
	"context"
	"net/http"
	"net/url"
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

// TestDealDelivery: POST /documents/{id}/deliveries/{delivery}/dealt
// marks a delivery failed for good dealt with ({"dealt":true}): a second
// POST, or one whose seen is not the delivery's last change, changes
// nothing ({"dealt":false}); a handler is refused (403), a seen that is
// no time 400, a delivery the document does not have 404.
func TestDealDelivery(t *testing.T) {
	var docs *workflow.Service
	f := newFixtureWith(t, 10<<20, func(s *workflow.Service) { docs = s })
	d := f.create(t, "handler", f.outgoingMeta())
	at := time.Now().UTC().Truncate(time.Microsecond)
	err := docs.Repo.Atomic(context.Background(), func(ctx context.Context, tx workflow.Tx) error {
		return tx.EnqueueDelivery(ctx, &workflow.Delivery{ID: "dl-failed", DocumentID: d.ID, Kind: workflow.DeliverDocument,
			OrgID: "000.00.31.H13", OrgName: "UBND phường Long Hòa", State: workflow.DeliveryFailed, LastError: "peer answered 403",
			CreatedAt: at, UpdatedAt: at})
	})
	if err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/documents/" + d.ID + "/deliveries/dl-failed/dealt"
	if rec := f.do(t, "handler", http.MethodPost, path, nil, ""); rec.Code != http.StatusForbidden {
		t.Errorf("handler: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do(t, "clerk", http.MethodPost, path+"?seen=yesterday", nil, ""); rec.Code != http.StatusBadRequest {
		t.Errorf("seen=yesterday: %d %s", rec.Code, rec.Body)
	}
	for i, c := range []struct{ seen, want string }{
		{at.Add(-time.Second).Format(time.RFC3339Nano), `{"dealt":false}`},
		{at.Format(time.RFC3339Nano), `{"dealt":true}`},
		{"", `{"dealt":false}`},
	} {
		p := path
		if c.seen != "" {
			p += "?seen=" + url.QueryEscape(c.seen)
		}
		rec := f.do(t, "clerk", http.MethodPost, p, nil, "")
		if rec.Code != http.StatusOK || strings.TrimSpace(rec.Body.String()) != c.want {
			t.Errorf("POST %d: %d %s, want %s", i+1, rec.Code, rec.Body, c.want)
		}
	}
	if rec := f.do(t, "clerk", http.MethodPost, "/api/v1/documents/"+d.ID+"/deliveries/none/dealt", nil, ""); rec.Code != http.StatusNotFound {
		t.Errorf("no such delivery: %d %s", rec.Code, rec.Body)
	}
}
