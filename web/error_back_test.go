package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestRefusedSubpageLeadsBackToTheDocument: a page of a document the
// user may not open (Sửa dự thảo of another's draft) leads back to the
// document as well as to the inbox — it led to the inbox only (walk 9);
// a document not found leads to the inbox alone.
func TestRefusedSubpageLeadsBackToTheDocument(t *testing.T) {
	e := newTestEnv(t)
	h := e.login("chuyenvien")
	h.get("/outgoing/new")
	id := docIDFrom(t, h.postMultipart("/outgoing/new", url.Values{"type": {"KH"}, "subject": {"Kế hoạch hội nghị"},
		"signer_id": {e.users["lanhdao"].ID}}, map[string][]byte{"file": fakePDF}))
	other := e.login("chuyenvien2")
	back := `<a href="/documents/` + id + `">Về trang văn bản</a>`
	for _, c := range []struct {
		path   string
		status int
		back   bool
	}{
		{"/documents/" + id + "/revise", http.StatusForbidden, true},
		{"/documents/00000000000000000000a/revise", http.StatusNotFound, false},
	} {
		p := other.get(c.path)
		if p.Status != c.status {
			t.Errorf("%s: %d, want %d", c.path, p.Status, c.status)
		}
		if strings.Contains(p.Body, "Về trang văn bản") != c.back || c.back && !strings.Contains(p.Body, back) {
			t.Errorf("%s: a way back to the document %t, want %t:\n%s", c.path, !c.back, c.back, p.Body)
		}
		if !strings.Contains(p.Body, `<a href="/">Về trang Việc cần xử lý</a>`) {
			t.Errorf("%s: no way back to the inbox", c.path)
		}
	}
}
