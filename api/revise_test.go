package api_test

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/api"
	"github.com/vanthu/vanthu/internal/testpdf"
)

// TestReviseDraft: PATCH /documents/{id} corrects a draft's fields (JSON)
// or replaces its PDF with them (multipart), for its drafter, at its
// version; every answer is checked against openapi.yaml.
func TestReviseDraft(t *testing.T) {
	f := newFixture(t, 64<<10)
	encrypted, err := os.ReadFile("testdata/encrypted-aes256.pdf")
	if err != nil {
		t.Fatal(err)
	}
	newPDF := testpdf.Make(1, "du thao sua lan 2")
	d := f.create(t, "handler", f.outgoingMeta())
	path := "/api/v1/documents/" + d.ID
	multi := func(user string, meta any, file []byte) func() (int, []byte) {
		return func() (int, []byte) {
			body, ct := multipartBody(t, meta, file)
			rec := f.do(t, user, "PATCH", path, body, ct)
			return rec.Code, rec.Body.Bytes()
		}
	}
	js := func(user string, v any) func() (int, []byte) {
		return func() (int, []byte) {
			rec := f.json(t, user, "PATCH", path, v)
			return rec.Code, rec.Body.Bytes()
		}
	}
	for _, tc := range []struct {
		name   string
		req    func() (int, []byte)
		status int
		code   string
		fields []string
	}{
		{"403/officer", js("officer", map[string]any{"subject": "x"}), 403, "forbidden", nil},
		{"403/clerk with a file", multi("clerk", map[string]any{}, newPDF), 403, "forbidden", nil},
		{"409/stale version", js("handler", map[string]any{"version": d.Version + 1, "subject": "x"}), 409, "conflict", nil},
		{"400/every problem", js("handler", map[string]any{"type": "XX", "subject": "", "drafting_unit": strings.Repeat("V", 21), "signer_id": f.ids["clerk"]}),
			400, "invalid", []string{"type", "subject", "drafting_unit", "signer_id"}},
		{"400/unknown field", js("handler", map[string]any{"direction": "incoming"}), 400, "invalid", nil},
		{"400/nothing changes", js("handler", map[string]any{"subject": d.Subject}), 400, "invalid", nil},
		{"413/file too large", multi("handler", map[string]any{}, bytes.Repeat([]byte("%PDF-1.4\n"), 10<<10)), 413, "too_large", nil},
		{"415/not JSON nor multipart", func() (int, []byte) {
			rec := f.do(t, "handler", "PATCH", path, strings.NewReader("subject=x"), "text/plain")
			return rec.Code, rec.Body.Bytes()
		}, 415, "unsupported_media_type", nil},
		{"422/encrypted PDF", multi("handler", map[string]any{}, encrypted), 422, "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := tc.req()
			if status != tc.status {
				t.Fatalf("%d %s", status, body)
			}
			var e struct {
				Error api.ErrorDetail `json:"error"`
			}
			json.Unmarshal(body, &e)
			if tc.code != "" && e.Error.Code != tc.code {
				t.Fatalf("code %q: %s", e.Error.Code, body)
			}
			if tc.fields != nil {
				var got []string
				for _, p := range e.Error.Fields {
					got = append(got, p.Field)
				}
				if strings.Join(got, " ") != strings.Join(tc.fields, " ") {
					t.Fatalf("fields %v, want %v: %s", got, tc.fields, body)
				}
			}
		})
	}
	after := f.get(t, "handler", d.ID)
	if after.Version != d.Version || after.Subject != d.Subject || len(after.Files) != 1 {
		t.Fatalf("refused revisions changed the draft: %+v", after)
	}
	// 200: the fields alone, then a new PDF with a field.
	status, body := js("handler", map[string]any{"version": d.Version, "subject": "Về việc ban hành quy chế (sửa đổi)", "type": "KH"})()
	var got api.DocumentJSON
	if json.Unmarshal(body, &got); status != 200 || got.Subject != "Về việc ban hành quy chế (sửa đổi)" || got.Type != "KH" || got.Version != d.Version+1 {
		t.Fatalf("fields: %d %s", status, body)
	}
	status, body = multi("handler", map[string]any{"version": got.Version, "notes": "Sửa theo ý kiến lãnh đạo"}, newPDF)()
	if json.Unmarshal(body, &got); status != 200 || len(got.Files) != 2 || got.Files[0].Kind != "superseded" || got.Files[1].Kind != "main" ||
		got.Files[0].SHA256 != d.Files[0].SHA256 || got.Notes != "Sửa theo ý kiến lãnh đạo" {
		t.Fatalf("file: %d %s", status, body)
	}
	rec := f.do(t, "handler", "GET", path+"/file", nil, "")
	if !bytes.Equal(rec.Body.Bytes(), newPDF) {
		t.Fatalf("the current file is not the new PDF (%d bytes)", rec.Body.Len())
	}
	// Submitted, the draft is no longer the drafter's to revise.
	if rec := f.json(t, "handler", "POST", path+"/actions/submit", nil); rec.Code != 200 {
		t.Fatalf("submit: %d %s", rec.Code, rec.Body.String())
	}
	if status, body := js("handler", map[string]any{"subject": "y"})(); status != 409 || !strings.Contains(string(body), "illegal_transition") {
		t.Fatalf("revise in review: %d %s", status, body)
	}
}

func (f *fixture) get(t *testing.T, user, id string) api.DocumentJSON {
	t.Helper()
	rec := f.do(t, user, "GET", "/api/v1/documents/"+id, nil, "")
	var d api.DocumentJSON
	if err := json.Unmarshal(rec.Body.Bytes(), &d); err != nil || rec.Code != 200 {
		t.Fatalf("get: %d %s", rec.Code, rec.Body.String())
	}
	return d
}

// TestReviseAttachments: a multipart PATCH adds attachment parts (read
// as a create's: the same upload limit, 413 over it) and its meta
// removes attachments by SHA-256; the removed one stays in the files as
// superseded, and the draft_revised event names both. Removing one the
// draft does not have is a 400 on remove_attachments, in JSON too.
func TestReviseAttachments(t *testing.T) {
	f := newFixture(t, 64<<10)
	annexA, annexB := testpdf.Make(1, "phu luc sai"), testpdf.Make(1, "phu luc dung")
	body, ct := multipartBody(t, f.outgoingMeta(), testpdf.Make(1, "du thao"), annexA)
	rec := f.do(t, "handler", "POST", "/api/v1/documents", body, ct)
	var d api.DocumentJSON
	if err := json.Unmarshal(rec.Body.Bytes(), &d); err != nil || rec.Code != 201 || len(d.Files) != 2 || d.Files[1].Kind != "attachment" {
		t.Fatalf("create: %d %s", rec.Code, rec.Body.String())
	}
	path, shaA := "/api/v1/documents/"+d.ID, d.Files[1].SHA256
	if rec := f.json(t, "handler", "PATCH", path, map[string]any{"remove_attachments": []string{d.Files[0].SHA256}}); rec.Code != 400 ||
		!strings.Contains(rec.Body.String(), `"field":"remove_attachments"`) {
		t.Fatalf("removing the PDF as an attachment: %d %s", rec.Code, rec.Body.String())
	}
	body, ct = multipartBody(t, map[string]any{"remove_attachments": []string{shaA}}, nil, bytes.Repeat([]byte("%PDF-1.4\n"), 10<<10))
	if rec := f.do(t, "handler", "PATCH", path, body, ct); rec.Code != 413 || !strings.Contains(rec.Body.String(), `"field":"attachment"`) {
		t.Fatalf("an attachment over the limit: %d %s", rec.Code, rec.Body.String())
	}
	body, ct = multipartBody(t, map[string]any{"version": d.Version, "remove_attachments": []string{shaA}}, nil, annexB)
	if rec = f.do(t, "handler", "PATCH", path, body, ct); rec.Code != 200 {
		t.Fatalf("replace the attachment: %d %s", rec.Code, rec.Body.String())
	}
	got := f.get(t, "handler", d.ID)
	var kinds []string
	for _, x := range got.Files {
		kinds = append(kinds, x.Name+":"+x.Kind)
	}
	if strings.Join(kinds, " ") != "vanban.pdf:main phuluc-0.pdf:superseded phuluc-0.pdf:attachment" || got.Files[1].SHA256 != shaA ||
		got.Version != d.Version+1 {
		t.Fatalf("files after: %v (v%d)", kinds, got.Version)
	}
	rec = f.do(t, "handler", "GET", path+"/file?sha256="+got.Files[2].SHA256, nil, "")
	if !bytes.Equal(rec.Body.Bytes(), annexB) {
		t.Fatalf("the new attachment is not the one sent (%d bytes)", rec.Body.Len())
	}
	rec = f.do(t, "handler", "GET", path+"/events", nil, "")
	var events struct{ Items []api.EventJSON }
	json.Unmarshal(rec.Body.Bytes(), &events)
	last := events.Items[len(events.Items)-1]
	if last.Kind != "draft_revised" || last.Data["fields"] != "attachments" || last.Data["attachment_removed:"+shaA] != "phuluc-0.pdf" ||
		last.Data["attachment_added:"+got.Files[2].SHA256] != "phuluc-0.pdf" {
		t.Fatalf("event: %+v", last)
	}
}
