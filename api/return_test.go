package api_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/vanthu/vanthu/api"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// TestReturnSignedDocument: the clerk sees return at officer_signed; a
// return without a reason is 400 invalid and changes nothing; with one,
// the document is a draft again, its layer-1 file listed as withdrawn
// (the response is checked against openapi.yaml), and it is submitted,
// approved, signed and issued again.
func TestReturnSignedDocument(t *testing.T) {
	f := newFixtureWith(t, 5<<20, func(s *workflow.Service) { s.Signer = workflowtest.Signer{} })
	d := f.create(t, "handler", f.outgoingMeta())
	act := func(user, action string, body map[string]any, want int) api.DocumentJSON {
		t.Helper()
		rec := f.json(t, user, "POST", "/api/v1/documents/"+d.ID+"/actions/"+action, body)
		if rec.Code != want {
			t.Fatalf("%s by %s: %d %s", action, user, rec.Code, rec.Body.String())
		}
		var out api.DocumentJSON
		if want == http.StatusOK {
			json.Unmarshal(rec.Body.Bytes(), &out)
		} else if e := decodeErr(t, rec); e.Error.Code != "invalid" {
			t.Fatalf("%s by %s: error %+v", action, user, e)
		}
		return out
	}
	act("handler", "submit", nil, 200)
	act("officer", "approve", nil, 200)
	signed := act("officer", "sign", nil, 200)
	rec := f.do(t, "clerk", "GET", "/api/v1/documents/"+d.ID, nil, "")
	var seen api.DocumentJSON
	json.Unmarshal(rec.Body.Bytes(), &seen)
	if !slices.Contains(seen.AllowedActions, "return") || !slices.Contains(seen.AllowedActions, "issue") {
		t.Fatalf("clerk's actions at officer_signed: %v", seen.AllowedActions)
	}
	for _, body := range []map[string]any{nil, {"comment": "   "}} {
		act("clerk", "return", body, http.StatusBadRequest)
	}
	if rec := f.json(t, "handler", "POST", "/api/v1/documents/"+d.ID+"/actions/return", map[string]any{"comment": "x"}); rec.Code != http.StatusForbidden {
		t.Fatalf("return by the handler: %d", rec.Code)
	}
	got := act("clerk", "return", map[string]any{"comment": "Sai thể thức: thiếu nơi nhận", "version": signed.Version}, 200)
	if got.State != "draft" || got.Version != signed.Version+1 || len(got.Files) != 2 || got.Files[1].Kind != "withdrawn" ||
		got.Files[1].SHA256 != signed.Files[1].SHA256 {
		t.Fatalf("returned: %+v", got)
	}
	act("handler", "submit", nil, 200)
	act("officer", "approve", nil, 200)
	act("officer", "sign", nil, 200)
	issued := act("clerk", "issue", nil, 200)
	if issued.State != "issued" || issued.Notation == nil || len(issued.Files) != 4 || issued.Files[3].Kind != "signed" {
		t.Fatalf("issued: %+v", issued)
	}
}
