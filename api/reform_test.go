package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/internal/testpdf"
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
