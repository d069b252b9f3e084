package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestIncomingFormTakesAttachments: a paper letter comes with its
// enclosures (a list, a table of figures): the incoming form has the
// outgoing form's input of attachments, the document keeps them as its
// phụ lục, and a form sent back asks for them again with the letter —
// the form had only the letter's file, and the clerk had to merge the
// scans into one PDF (walk 8, the clerk registering a paper letter).
func TestIncomingFormTakesAttachments(t *testing.T) {
	e := newTestEnv(t)
	clerk := e.login("vanthu")
	form := clerk.get("/incoming/new")
	if form.Status != http.StatusOK || !strings.Contains(form.Body, `<input type="file" id="attachment" name="attachment"`) ||
		!strings.Contains(form.Body, "Phụ lục, tài liệu kèm theo") {
		t.Fatalf("the incoming form has no input of attachments: %d\n%s", form.Status, form.Body)
	}
	f := url.Values{"type": {"CV"}, "subject": {"Về việc đề nghị hỗ trợ kinh phí sửa chữa nhà văn hóa"}, "original_number": {"45/UBND"},
		"original_date": {"20/11/2026"}, "sender_name": {"UBND phường An Khánh"}, "urgency": {"normal"}, "confidentiality": {"normal"}}
	id := docIDFrom(t, clerk.postMultipart("/incoming/new", f, map[string][]byte{"file:thu.pdf": fakePDF, "attachment:danh-sach-ho.pdf": fakePDF}))
	doc := clerk.get("/documents/" + id)
	if !strings.Contains(doc.Body, ">danh-sach-ho.pdf</a> · phụ lục") {
		t.Errorf("the letter's enclosure is not among its files:\n%s", doc.Body)
	}
	f.Set("original_date", "31/11/2026")
	back := clerk.postMultipart("/incoming/new", f, map[string][]byte{"file:thu.pdf": fakePDF, "attachment:danh-sach-ho.pdf": fakePDF})
	if back.Status != http.StatusUnprocessableEntity && back.Status != http.StatusBadRequest {
		t.Fatalf("a form with an impossible date: %d", back.Status)
	}
	if !strings.Contains(back.Body, "hãy chọn lại tệp PDF (và phụ lục, nếu có)") {
		t.Errorf("the form sent back does not ask for the enclosures again:\n%s", back.Body)
	}
}
