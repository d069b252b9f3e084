package api_test

import (
	"encoding/json"
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
		if i >= len(want) || !slices.Equal(x.ActiveContent, want[i]) {
			t.Errorf("file %d (%s): active_content %q, want %q", i, x.Name, x.ActiveContent, want[min(i, len(want)-1)])
		}
	}
	if strings.Contains(rec.Body.String(), `"active_content":null`) {
		t.Errorf("a clean file says active_content null: %s", rec.Body.String())
	}
}
