package web

import (
	"context"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/workflow"
)

// TestActiveContentForms: an outgoing draft's attachment that acts when
// it is opened is refused beside the attachments' input, naming it and
// what it carries (before, it was stored, signed and sent to agencies);
// an incoming document's file and attachment that carry such content are
// kept, and the document's page warns beside each what it carries and how
// to open it — a clean document's page says nothing of it.
func TestActiveContentForms(t *testing.T) {
	e := newTestEnv(t)
	intake, err := signing.NewIntake(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	e.docs.Inspector = intake
	clean := testpdf.Make(1, "van ban")

	h := e.login("chuyenvien")
	h.get("/outgoing/new")
	p := h.postMultipart("/outgoing/new", url.Values{"type": {"KH"}, "subject": {"Kế hoạch hội nghị"}, "signer_id": {e.users["lanhdao"].ID}},
		map[string][]byte{"file:du-thao.pdf": clean, "attachment:phu-luc.pdf": testpdf.ActiveJS()})
	m := regexp.MustCompile(`<span class="field-error" id="attachment-error">([^<]*)</span>`).FindStringSubmatch(p.Body)
	if want := "Phụ lục “phu-luc.pdf” có mã JavaScript bên trong"; p.Status != 422 || m == nil || !strings.Contains(html.UnescapeString(m[1]), want) {
		t.Fatalf("%d, beside the attachments: %q, want %q", p.Status, m, want)
	}

	c := e.login("vanthu")
	form := url.Values{"type": {"CV"}, "subject": {"Về việc tổ chức hội nghị"}, "original_number": {"12/UBND-VP"},
		"original_date": {"20/11/2026"}, "sender_name": {"UBND thành phố Cần Thơ"}, "urgency": {"normal"}, "confidentiality": {"normal"}}
	c.get("/incoming/new")
	id := docIDFrom(t, c.postMultipart("/incoming/new", form, map[string][]byte{"file:congvan.pdf": testpdf.ActiveJSEmbedded(),
		"attachment:bang-ke.pdf": testpdf.ActiveLaunch()}))
	doc := html.UnescapeString(c.get("/documents/" + id).Body)
	for _, want := range []string{
		`id="active-content" role="note">Tệp PDF của văn bản có chứa mã JavaScript, tệp đính kèm nhúng,`,
		"hãy mở bằng trình đọc đã tắt JavaScript và không mở các tệp nhúng bên trong",
		`>bang-ke.pdf</a> · phụ lục`,
		`<span class="active-content">Tệp có chứa lệnh chạy chương trình: mở bằng trình đọc đã tắt JavaScript`,
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("the incoming document's page does not say %q:\n%s", want, doc)
		}
	}
	c.get("/incoming/new")
	form.Set("original_number", "13/UBND-VP")
	id = docIDFrom(t, c.postMultipart("/incoming/new", form, map[string][]byte{"file:congvan.pdf": clean, "attachment:bang-ke.pdf": clean}))
	if doc := c.get("/documents/" + id).Body; strings.Contains(doc, "active-content") {
		t.Errorf("a clean document's page warns of active content:\n%s", doc)
	}
}

// TestNotInspectedSaysSo: the page of an incoming document whose files
// were stored without being inspected (as every file before inspections
// were recorded) says so, above the PDF and beside each file, and claims
// nothing either way; a file no PDF the inspection reads says that; an
// inspected clean one says nothing.
func TestNotInspectedSaysSo(t *testing.T) {
	e := newTestEnv(t)
	c := e.login("vanthu")
	form := url.Values{"type": {"CV"}, "subject": {"Về việc tổ chức hội nghị"}, "original_number": {"12/UBND-VP"},
		"original_date": {"20/11/2026"}, "sender_name": {"UBND thành phố Cần Thơ"}, "urgency": {"normal"}, "confidentiality": {"normal"}}
	c.get("/incoming/new")
	id := docIDFrom(t, c.postMultipart("/incoming/new", form, map[string][]byte{"file:congvan.pdf": testpdf.Make(1, "cong van"),
		"attachment:bang-ke.pdf": testpdf.Make(1, "bang ke")}))
	doc := html.UnescapeString(c.get("/documents/" + id).Body)
	for _, want := range []string{
		`id="not-inspected" role="note">Tệp PDF của văn bản chưa được kiểm tra có chứa mã JavaScript, lệnh chạy chương trình hay tệp đính kèm nhúng hay không (tệp được lưu trước khi có bước kiểm tra này).`,
		`<span class="not-inspected">Tệp chưa được kiểm tra có chứa mã JavaScript`,
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("the page of an incoming document not inspected does not say %q:\n%s", want, doc)
		}
	}
	if strings.Contains(doc, "active-content") {
		t.Errorf("a document not inspected warns of active content:\n%s", doc)
	}

	// Inspected: a clean file says nothing; a .docx the inspection cannot
	// read says why nothing is known of it.
	d, err := e.repo.Document(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	err = e.repo.Atomic(context.Background(), func(ctx context.Context, tx workflow.Tx) error {
		d.Files[0].Inspection, d.Files[1].Inspection = workflow.Inspected, workflow.Unreadable
		return tx.UpdateDocument(ctx, d, d.Version)
	})
	if err != nil {
		t.Fatal(err)
	}
	doc = html.UnescapeString(c.get("/documents/" + id).Body)
	if strings.Contains(doc, `id="not-inspected"`) || strings.Contains(doc, "active-content") ||
		!strings.Contains(doc, `<span class="not-inspected">Tệp không đọc được như một tệp PDF, nên không kiểm tra được`) {
		t.Errorf("the page of an inspected document:\n%s", doc)
	}
}
