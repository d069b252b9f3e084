package api_test

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/api"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// TestCopies: POST /documents/{id}/copies makes a copy of a registered
// letter (201, 01/SY-UBND, Location its file); a handler is refused 403,
// a draft 409, sao lục of a paper letter and no "for whom" 400 on their
// field; GET /documents/{id}/copies lists it, GET /copies/{id}/file
// sends the signed copy under a Vietnamese name, the letter's trail
// says copied; an unknown copy is 404. Every answer through
// apitest.Validating.
func TestCopies(t *testing.T) {
	f := newFixtureWith(t, 10<<20, func(s *workflow.Service) { s.Signer = workflowtest.Signer{} })
	letter := f.create(t, "clerk", incomingMeta())
	if rec := f.json(t, "clerk", "POST", "/api/v1/documents/"+letter.ID+"/actions/register", nil); rec.Code != http.StatusOK {
		t.Fatalf("register: %d %s", rec.Code, rec.Body)
	}
	draft := f.create(t, "handler", f.outgoingMeta())
	path := "/api/v1/documents/" + letter.ID + "/copies"
	for _, tc := range []struct {
		name, user, path string
		body             map[string]any
		code             int
		field            string
	}{
		{"a handler", "handler", path, map[string]any{"form": "SY", "requested_for": "Tòa án"}, http.StatusForbidden, ""},
		{"a draft", "clerk", "/api/v1/documents/" + draft.ID + "/copies", map[string]any{"form": "SY", "requested_for": "Tòa án"}, http.StatusConflict, ""},
		{"sao lục of a paper letter", "clerk", path, map[string]any{"form": "SL", "requested_for": "Tòa án"}, http.StatusBadRequest, "form"},
		{"for nobody", "clerk", path, map[string]any{"form": "SY", "requested_for": ""}, http.StatusBadRequest, "requested_for"},
		{"no such document", "clerk", "/api/v1/documents/d-nothing/copies", map[string]any{"form": "SY", "requested_for": "Tòa án"}, http.StatusNotFound, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := f.json(t, tc.user, "POST", tc.path, tc.body)
			if e := decodeErr(t, rec); rec.Code != tc.code || e.Error.Field != tc.field {
				t.Errorf("%d %+v, want %d on %q", rec.Code, e.Error, tc.code, tc.field)
			}
		})
	}
	rec := f.json(t, "clerk", "POST", path, map[string]any{"form": "SY", "requested_for": "Ông Nguyễn Văn A, theo đơn ngày 01/12/2026"})
	var made api.CopyJSON
	if rec.Code != http.StatusCreated || json.Unmarshal(rec.Body.Bytes(), &made) != nil {
		t.Fatalf("POST copies: %d %s", rec.Code, rec.Body)
	}
	if made.Notation != "01/SY-UBND" || made.Number != 1 || made.DocumentID != letter.ID || made.Form != "SY" ||
		rec.Header().Get("Location") != "/api/v1/copies/"+made.ID+"/file" {
		t.Errorf("copy %+v at %q", made, rec.Header().Get("Location"))
	}
	rec = f.do(t, "handler", "GET", path, nil, "")
	var list struct{ Items []api.CopyJSON }
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &list) != nil || len(list.Items) != 1 || list.Items[0] != made {
		t.Errorf("GET copies: %d %s", rec.Code, rec.Body)
	}
	rec = f.do(t, "handler", "GET", "/api/v1/copies/"+made.ID+"/file", nil, "")
	_, params, _ := mime.ParseMediaType(rec.Header().Get("Content-Disposition"))
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/pdf" || !strings.HasSuffix(rec.Body.String(), "%C 01/SY-UBND\n") ||
		!strings.HasPrefix(params["filename"], "Bản sao y 01-SY-UBND - ") || rec.Header().Get("X-Content-SHA256") != made.SHA256 {
		t.Errorf("GET copy file: %d %v %q", rec.Code, rec.Header(), params["filename"])
	}
	if rec := f.do(t, "clerk", "GET", "/api/v1/copies/c-nothing/file", nil, ""); rec.Code != http.StatusNotFound {
		t.Errorf("unknown copy: %d", rec.Code)
	}
	rec = f.do(t, "handler", "GET", "/api/v1/documents/"+letter.ID+"/events", nil, "")
	if !strings.Contains(rec.Body.String(), `"kind":"copied"`) || !strings.Contains(rec.Body.String(), `"notation":"01/SY-UBND"`) {
		t.Errorf("letter's events: %s", rec.Body)
	}
}

// TestCopiesTrichSao: a trích sao of an issued document (an electronic
// original) is made of the pages asked for (201, 01/TS-UBND, pages
// "1,3-4" in the copy, in the list and in the register); no pages, a page
// the document does not have and pages of a sao y are 400 on pages and
// take no number.
func TestCopiesTrichSao(t *testing.T) {
	f := newFixtureWith(t, 10<<20, func(s *workflow.Service) { s.Signer = workflowtest.Signer{} })
	d := f.create(t, "handler", f.outgoingMeta())
	for _, s := range []struct{ user, action string }{{"handler", "submit"}, {"officer", "approve"}, {"officer", "sign"}, {"clerk", "issue"}} {
		if rec := f.json(t, s.user, "POST", "/api/v1/documents/"+d.ID+"/actions/"+s.action, nil); rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", s.action, rec.Code, rec.Body)
		}
	}
	path := "/api/v1/documents/" + d.ID + "/copies"
	for _, tc := range []struct {
		name string
		body map[string]any
	}{
		{"no pages", map[string]any{"form": "TS", "requested_for": "Tòa án"}},
		{"page 7 of 4", map[string]any{"form": "TS", "requested_for": "Tòa án", "pages": "1,7"}},
		{"out of order", map[string]any{"form": "TS", "requested_for": "Tòa án", "pages": "3,1"}},
		{"pages of a sao y", map[string]any{"form": "SY", "requested_for": "Tòa án", "pages": "1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := f.json(t, "clerk", "POST", path, tc.body)
			if e := decodeErr(t, rec); rec.Code != http.StatusBadRequest || e.Error.Field != "pages" {
				t.Errorf("%d %+v, want 400 on pages", rec.Code, e.Error)
			}
		})
	}
	rec := f.json(t, "clerk", "POST", path, map[string]any{"form": "TS", "requested_for": "Tòa án", "pages": "1, 3-4"})
	var made api.CopyJSON
	if rec.Code != http.StatusCreated || json.Unmarshal(rec.Body.Bytes(), &made) != nil || made.Notation != "01/TS-UBND" || made.Pages != "1,3-4" {
		t.Fatalf("POST a trích sao: %d %s", rec.Code, rec.Body)
	}
	rec = f.do(t, "clerk", "GET", path, nil, "")
	if !strings.Contains(rec.Body.String(), `"pages":"1,3-4"`) {
		t.Errorf("GET copies: %s", rec.Body)
	}
	rec = f.do(t, "clerk", "GET", "/api/v1/copies/"+made.ID+"/file", nil, "")
	if !strings.Contains(rec.Body.String(), "\n%E 1,3-4\n") {
		t.Errorf("the copy is not signed from the extract: %q", rec.Body)
	}
	rec = f.do(t, "clerk", "GET", fmt.Sprintf("/api/v1/registers/copies/%d", made.Year), nil, "")
	if !strings.Contains(rec.Body.String(), `"pages":"1,3-4"`) {
		t.Errorf("register of copies: %s", rec.Body)
	}
}
