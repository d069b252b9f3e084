package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/vanthu/vanthu/api"
	"github.com/vanthu/vanthu/workflow"
)

// TestRefusals: GET /refusals lists a clerk's refused deliveries with
// the agency and the reason; POST /documents/{id}/refusals/seen marks
// them dealt with (204, audited), after which the list is empty and a
// second mark is a 409; other roles are refused (403).
func TestRefusals(t *testing.T) {
	var docs *workflow.Service
	f := newFixtureWith(t, 10<<20, func(s *workflow.Service) { docs = s })
	d := f.create(t, "handler", f.outgoingMeta())
	dl := workflow.Delivery{DocumentID: d.ID, OrgID: "000.00.31.H13", OrgName: "UBND phường Long Hòa"}
	refuse := func(reason string) {
		t.Helper()
		err := docs.Repo.Atomic(context.Background(), func(ctx context.Context, tx workflow.Tx) error {
			return tx.AppendEvent(ctx, workflow.DeliveryRefused(dl, "02", reason, time.Now()))
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	refuse("Sai thể thức")
	list := func() (out struct {
		Items []api.RefusedJSON `json:"items"`
		Total int               `json:"total"`
	}) {
		t.Helper()
		rec := f.do(t, "clerk", http.MethodGet, "/api/v1/refusals", nil, "")
		if rec.Code != http.StatusOK {
			t.Fatalf("list: %d %s", rec.Code, rec.Body)
		}
		json.Unmarshal(rec.Body.Bytes(), &out)
		return out
	}
	got := list()
	if got.Total != 1 || len(got.Items) != 1 || got.Items[0].DocumentID != d.ID || len(got.Items[0].Refusals) != 1 ||
		got.Items[0].Refusals[0].Data["org_name"] != "UBND phường Long Hòa" || got.Items[0].Refusals[0].Comment != "Sai thể thức" {
		t.Fatalf("list: %+v", got)
	}
	for _, who := range []string{"handler", "officer"} {
		if rec := f.do(t, who, http.MethodGet, "/api/v1/refusals", nil, ""); rec.Code != http.StatusForbidden {
			t.Errorf("%s lists refusals: %d", who, rec.Code)
		}
		if rec := f.do(t, who, http.MethodPost, "/api/v1/documents/"+d.ID+"/refusals/seen", nil, ""); rec.Code != http.StatusForbidden {
			t.Errorf("%s marks refusals seen: %d", who, rec.Code)
		}
	}
	if rec := f.do(t, "clerk", http.MethodPost, "/api/v1/documents/"+d.ID+"/refusals/seen", nil, ""); rec.Code != http.StatusNoContent {
		t.Fatalf("mark seen: %d %s", rec.Code, rec.Body)
	}
	if got := list(); got.Total != 0 || len(got.Items) != 0 {
		t.Errorf("after the mark: %+v", got)
	}
	if rec := f.do(t, "clerk", http.MethodPost, "/api/v1/documents/"+d.ID+"/refusals/seen", nil, ""); rec.Code != http.StatusConflict {
		t.Errorf("marked twice: %d %s", rec.Code, rec.Body)
	}
	evs, _ := docs.Repo.Events(context.Background(), d.ID)
	if last := evs[len(evs)-1]; last.Kind != workflow.EventRefusalsSeen || last.Actor != f.ids["clerk"] {
		t.Errorf("the mark is not audited: %+v", last)
	}

	// through names the newest refusal the clerk was shown: refused
	// again after it, nothing is marked (409); naming the newest, marked.
	refuse("Thiếu phụ lục")
	shown := list().Items[0].Refusals[0].Seq
	refuse("Thiếu chữ ký số")
	seen := "/api/v1/documents/" + d.ID + "/refusals/seen?through="
	if rec := f.do(t, "clerk", http.MethodPost, seen+fmt.Sprint(shown), nil, ""); rec.Code != http.StatusConflict {
		t.Errorf("a mark through a refusal older than the newest: %d %s", rec.Code, rec.Body)
	}
	if got := list(); got.Total != 1 || len(got.Items[0].Refusals) != 2 {
		t.Fatalf("a refused mark changed the list: %+v", got)
	}
	if rec := f.do(t, "clerk", http.MethodPost, seen+"abc", nil, ""); rec.Code != http.StatusBadRequest {
		t.Errorf("through=abc: %d %s", rec.Code, rec.Body)
	}
	newest := list().Items[0].Refusals[0].Seq
	if rec := f.do(t, "clerk", http.MethodPost, seen+fmt.Sprint(newest), nil, ""); rec.Code != http.StatusNoContent {
		t.Errorf("a mark through the newest refusal: %d %s", rec.Code, rec.Body)
	}
	if got := list(); got.Total != 0 {
		t.Errorf("after the mark through the newest: %+v", got)
	}
}
