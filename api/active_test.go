package api_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/api"
	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/workflow"
)

// TestActiveContent: an outgoing draft's attachment that acts when it is
// opened (JavaScript, a launch action, an embedded file) is refused as
// its PDF is — 422 (code invalid, as every 422) on the part attachment, naming it — at
// create and at a revision (before, it was stored, signed by the agency
// and sent); an incoming document's files are kept, each listing what it
// carries (active_content), a clean one none.
func TestActiveContent(t *testing.T) {
	f := newFixtureWith(t, 1<<20, func(s *workflow.Service) {
		intake, err := signing.NewIntake(1 << 20)
		if err != nil {
			t.Fatal(err)
		}
		s.Inspector = intake
	})
	clean := testpdf.Make(1, "phu luc")
	body, ct := multipartBody(t, f.outgoingMeta(), testpdf.Make(1, "du thao"), clean, testpdf.ActiveJS())
	rec := f.do(t, "handler", "POST", "/api/v1/documents", body, ct)
	if e := decodeErr(t, rec); rec.Code != 422 || e.Error.Code != "invalid" || e.Error.Field != "attachment" ||
		!strings.Contains(e.Error.Message, `"phuluc-1.pdf"`) || !strings.Contains(e.Error.Message, "contains JavaScript") {
		t.Fatalf("an outgoing draft's attachment with JavaScript: %d %s", rec.Code, rec.Body.String())
	}
	d := f.create(t, "handler", f.outgoingMeta())
	body, ct = multipartBody(t, map[string]any{"version": d.Version}, nil, testpdf.ActiveLaunch())
	rec = f.do(t, "handler", "PATCH", "/api/v1/documents/"+d.ID, body, ct)
	if e := decodeErr(t, rec); rec.Code != 422 || e.Error.Field != "attachment" || !strings.Contains(e.Error.Message, "a launch action") {
		t.Fatalf("a revision adding an attachment with a launch action: %d %s", rec.Code, rec.Body.String())
	}

	body, ct = multipartBody(t, incomingMeta(), testpdf.ActiveJSEmbedded(), testpdf.ActiveLaunch(), clean)
	rec = f.do(t, "clerk", "POST", "/api/v1/documents", body, ct)
	if rec.Code != 201 {
		t.Fatalf("an incoming document that acts when opened: %d %s", rec.Code, rec.Body.String())
	}
	var in api.DocumentJSON
	json.Unmarshal(rec.Body.Bytes(), &in)
	got := f.get(t, "clerk", in.ID)
	want := [][]string{{"javascript", "embedded_file"}, {"launch"}, nil}
	for i, x := range got.Files {
		if i >= len(want) || !slices.Equal(x.ActiveContent, want[i]) || !x.Inspected {
			t.Errorf("file %d (%s): inspected %v, active_content %q, want inspected, %q", i, x.Name, x.Inspected, x.ActiveContent, want[min(i, len(want)-1)])
		}
	}
	if strings.Contains(rec.Body.String(), `"active_content":null`) {
		t.Errorf("a clean file says active_content null: %s", rec.Body.String())
	}
}

// TestInspectedFiles: each file says whether it was inspected for what
// it carries — true for an incoming document's files inspected at
// upload, false (and no active_content, whatever it carries) for files
// stored without (here an inspector that says nothing of it, as files
// stored before inspections were recorded) — and when vanthu files
// inspect records an inspection, which changes no version, the
// document's ETag changes with it: a GET naming the old tag gets the
// files as they are now, not 304.
func TestInspectedFiles(t *testing.T) {
	var repo workflow.Repository
	f := newFixtureWith(t, 1<<20, func(s *workflow.Service) { repo = s.Repo })
	body, ct := multipartBody(t, incomingMeta(), testpdf.ActiveJS(), testpdf.Make(1, "phu luc"))
	rec := f.do(t, "clerk", "POST", "/api/v1/documents", body, ct)
	if rec.Code != 201 {
		t.Fatalf("create: %d %s", rec.Code, rec.Body.String())
	}
	var in api.DocumentJSON
	json.Unmarshal(rec.Body.Bytes(), &in)
	before := f.do(t, "clerk", "GET", "/api/v1/documents/"+in.ID, nil, "")
	for _, want := range []string{`"inspected":false`, `"kind":"main","created_at":`} {
		if !strings.Contains(before.Body.String(), want) {
			t.Errorf("files stored uninspected: no %s in %s", want, before.Body.String())
		}
	}
	if strings.Contains(before.Body.String(), `"active_content"`) || strings.Contains(before.Body.String(), `"inspected":true`) {
		t.Errorf("files stored uninspected claim something: %s", before.Body.String())
	}

	// The fill's write: the files' inspection, the version kept.
	ctx := context.Background()
	err := repo.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		d, err := tx.LockDocument(ctx, in.ID)
		if err != nil {
			return err
		}
		d.Files[0].Inspection, d.Files[0].Active = workflow.Inspected, workflow.ActiveJavaScript
		d.Files[1].Inspection = workflow.Inspected
		return tx.UpdateDocument(ctx, d, d.Version)
	})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/api/v1/documents/"+in.ID, nil)
	req.Header.Set("Authorization", "Bearer "+f.tokens["clerk"])
	req.Header.Set("If-None-Match", before.Header().Get("ETag"))
	after := httptest.NewRecorder()
	f.srv.ServeHTTP(after, req)
	if after.Code != 200 || after.Header().Get("ETag") == before.Header().Get("ETag") {
		t.Fatalf("GET naming the tag of before the inspection: %d, tag %s (was %s)", after.Code, after.Header().Get("ETag"), before.Header().Get("ETag"))
	}
	var got api.DocumentJSON
	json.Unmarshal(after.Body.Bytes(), &got)
	if len(got.Files) != 2 || !got.Files[0].Inspected || !slices.Equal(got.Files[0].ActiveContent, []string{"javascript"}) ||
		!got.Files[1].Inspected || got.Files[1].ActiveContent != nil || got.Version != in.Version {
		t.Errorf("after the inspection: %+v (version %d, was %d)", got.Files, got.Version, in.Version)
	}
}
