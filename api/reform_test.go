package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/api"
	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/workflow"
)

// TestLayoutReformAndPublicVerifyRoutes: the layout correction (who,
// what), the reform report's refusals (the memory repository cannot
// count: 503 for a role that may read it) and the public lookup's 404
// and rate limit.
func TestLayoutReformAndPublicVerifyRoutes(t *testing.T) {
	f := newFixture(t, 1<<20)
	body, ct := multipartBody(t, f.outgoingMeta(), testpdf.Make(1, "x"))
	rec := f.do(t, "handler", "POST", "/api/v1/documents", body, ct)
	if rec.Code != 201 {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	var doc struct{ ID string }
	json.Unmarshal(rec.Body.Bytes(), &doc)
	layout := `{"layout":{"number":{"page":1,"x":60,"y":700,"w":90,"h":18},"number_only":true}}`
	for _, tc := range []struct {
		user, body string
		want       int
	}{
		{"archivist", layout, http.StatusForbidden}, // sees the public draft, is no party to it
		{"handler", `{"layout":{"number":{"page":3,"x":1,"y":1,"w":1,"h":1}}}`, http.StatusBadRequest},
		{"handler", layout, http.StatusOK},
	} {
		rec := f.do(t, tc.user, "PUT", "/api/v1/documents/"+doc.ID+"/layout", strings.NewReader(tc.body), "application/json")
		if rec.Code != tc.want {
			t.Errorf("%s PUT layout: %d %s, want %d", tc.user, rec.Code, rec.Body, tc.want)
		}
		if tc.want == http.StatusOK && (!strings.Contains(rec.Body.String(), `"number_only":true`) || !strings.Contains(rec.Body.String(), `"source":"manual"`)) {
			t.Errorf("layout answer %s", rec.Body)
		}
	}
	// The history of a document whose layout was corrected is what the
	// document says (openapi's Event.kind lacked "layout": every answer
	// is checked against it).
	if rec := f.do(t, "handler", "GET", "/api/v1/documents/"+doc.ID+"/events", nil, ""); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"kind":"layout"`) {
		t.Errorf("events after a layout correction: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do(t, "handler", "GET", "/api/v1/reports/reform", nil, ""); rec.Code != http.StatusForbidden {
		t.Errorf("handler reads the reform report: %d", rec.Code)
	}
	if rec := f.do(t, "clerk", "GET", "/api/v1/reports/reform?from=2026-02-01&to=2026-01-01", nil, ""); rec.Code != http.StatusBadRequest {
		t.Errorf("reversed period: %d", rec.Code)
	}
	if rec := f.do(t, "clerk", "GET", "/api/v1/reports/reform", nil, ""); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("memory repository: %d %s", rec.Code, rec.Body)
	}
	limited := false
	for i := 0; i < 40; i++ {
		// A forged X-Forwarded-For from an untrusted peer changes nothing.
		req := httptest.NewRequest("GET", "/api/v1/public/verify/AAAAABBBBB", nil)
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i))
		rec := httptest.NewRecorder()
		f.srv.ServeHTTP(rec, req)
		if rec.Code == http.StatusTooManyRequests {
			limited = rec.Header().Get("Retry-After") != ""
			break
		}
		if rec.Code != http.StatusNotFound {
			t.Fatalf("unknown code: %d %s", rec.Code, rec.Body)
		}
	}
	if !limited {
		t.Error("public lookups are not rate limited")
	}
}

// reformDocs answers the reform report with the period it was asked for.
type reformDocs struct {
	api.Documents
	from, to time.Time
}

func (r *reformDocs) ReformReport(_ context.Context, _ *workflow.User, from, to time.Time) (*workflow.ReformReport, error) {
	r.from, r.to = from, to
	return &workflow.ReformReport{From: from, To: to}, nil
}

// TestReformDefaultPeriodOnTheServersClock: without from/to the period is
// this year up to today by the server's clock, not the machine's.
func TestReformDefaultPeriodOnTheServersClock(t *testing.T) {
	f := newFixture(t, 1<<20)
	rd := &reformDocs{Documents: f.srv.Docs}
	f.srv.Docs = rd
	f.srv.Now = func() time.Time { return time.Date(2024, 6, 30, 20, 0, 0, 0, time.UTC) } // 1 July in Hà Nội
	rec := f.do(t, "clerk", "GET", "/api/v1/reports/reform", nil, "")
	if rec.Code != http.StatusOK {
		t.Fatalf("reform: %d %s", rec.Code, rec.Body)
	}
	var got struct{ From, To string }
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.From != "2024-01-01" || got.To != "2024-07-01" {
		t.Fatalf("default period %s..%s, want 2024-01-01..2024-07-01", got.From, got.To)
	}
	if want := time.Date(2024, 7, 2, 0, 0, 0, 0, workflow.Vietnam); !rd.to.Equal(want) {
		t.Fatalf("service asked up to %v, want %v", rd.to, want)
	}
}
