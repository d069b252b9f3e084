package api_test

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/api"
	"github.com/vanthu/vanthu/archive/archivetest"
	"github.com/vanthu/vanthu/internal/mediatype"
)

// dispositionNames parses a download's Content-Disposition as a client
// does: the name as written (filename*, which mime.ParseMediaType
// prefers) and the ASCII one a client that does not read filename*
// takes (filename).
func dispositionNames(t *testing.T, h string) (name, ascii string) {
	t.Helper()
	disp, params, err := mime.ParseMediaType(h)
	if err != nil || disp != "attachment" {
		t.Fatalf("Content-Disposition %q: %q, %v", h, disp, err)
	}
	plain, _, _ := strings.Cut(h, "; filename*=")
	_, asciiParams, err := mime.ParseMediaType(plain)
	if err != nil {
		t.Fatalf("Content-Disposition %q without filename*: %v", h, err)
	}
	return params["filename"], asciiParams["filename"]
}

// TestDownloadNames: a document's files, its archived objects and its
// package download under the document's notation and subject (they were
// named as uploaded: ke-hoach.pdf, ke-hoach.signed.pdf, record-{id}.zip),
// in Vietnamese (filename*) and in ASCII (filename), no two alike.
func TestDownloadNames(t *testing.T) {
	f := newArchiveFixture(t, nil)
	d := f.Issued(t, archivetest.Options{Subject: "Chỉnh trang đô thị: đợt 1/2026", Attachments: 1})
	prefix := strings.ReplaceAll(d.Notation, "/", "-") + " "
	want := map[string]string{ // a path's name and the ASCII name, for those the test knows
		"/api/v1/documents/" + d.ID + "/file":                   prefix + "Kế hoạch Chỉnh trang đô thị đợt 1-2026.pdf",
		"/api/v1/archive/" + d.ID + "/object?name=document.pdf": prefix + "Kế hoạch Chỉnh trang đô thị đợt 1-2026.pdf",
		"/api/v1/archive/" + d.ID + "/package":                  prefix + fmt.Sprintf("Hồ sơ lưu trữ %d - Kế hoạch Chỉnh trang đô thị đợt 1-2026.zip", d.Year),
	}
	paths := []string{"/api/v1/documents/" + d.ID + "/file"}
	for _, fl := range d.Files {
		paths = append(paths, "/api/v1/documents/"+d.ID+"/file?sha256="+fl.SHA256)
	}
	seen := map[string]string{}
	check := func(path string) string {
		rec := f.do(t, "archivist", "GET", path, nil)
		wantStatus(t, rec, http.StatusOK)
		name, ascii := dispositionNames(t, rec.Header().Get("Content-Disposition"))
		if w, ok := want[path]; ok && name != w {
			t.Errorf("%s: downloaded as %q, want %q", path, name, w)
		}
		if ascii != mediatype.ASCIIName(name) || !strings.HasPrefix(ascii, strings.ReplaceAll(prefix, "Đ", "D")) {
			t.Errorf("%s: ASCII name %q for %q", path, ascii, name)
		}
		return name
	}
	for _, p := range paths[1:] {
		name := check(p)
		if other, ok := seen[name]; ok {
			t.Errorf("%s and %s both download as %q", other, p, name)
		}
		seen[name] = p
	}
	check(paths[0])
	if _, ok := seen[prefix+"Phụ lục 1 - Kế hoạch Chỉnh trang đô thị đợt 1-2026.pdf"]; !ok {
		t.Errorf("no file downloads as the signed attachment: %v", seen)
	}

	wantStatus(t, f.do(t, "archivist", "POST", "/api/v1/documents/"+d.ID+"/actions/archive", nil), http.StatusOK)
	rec := f.do(t, "archivist", "GET", "/api/v1/archive/"+d.ID, nil)
	wantStatus(t, rec, http.StatusOK)
	var r api.ArchiveRecordJSON
	json.Unmarshal(rec.Body.Bytes(), &r)
	objects := map[string]bool{}
	for _, o := range r.Objects {
		name := check("/api/v1/archive/" + d.ID + "/object?name=" + url.QueryEscape(o.Name))
		if objects[name] {
			t.Errorf("two objects download as %q", name)
		}
		objects[name] = true
	}
	check("/api/v1/archive/" + d.ID + "/package")
}
