package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// TestReviseDraftForm: a draft returned to its drafter points to "Sửa
// dự thảo", a form filled in with the draft's fields; a post with
// mistakes comes back with each beside its input, nothing changed; a
// valid one replaces the PDF and the subject, and the page then shows the
// new file and a history that says what changed. Nobody else is offered
// the form or may post it; a submitted draft is not revised.
func TestReviseDraftForm(t *testing.T) {
	e := newTestEnv(t)
	handler, officer, other := e.login("chuyenvien"), e.login("lanhdao"), e.login("chuyenvien2")
	id := e.outgoingThrough(t, handler, officer, workflow.Submit)
	if p := act(t, officer, id, workflow.Return, url.Values{"comment": {"Sửa trích yếu, bổ sung căn cứ"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("return: %d", p.Status)
	}
	p := handler.get("/documents/" + id)
	if !strings.Contains(p.Body, `id="revise-link"`) || !strings.Contains(noticeOf(p.Body), `/documents/`+id+`/revise`) {
		t.Fatalf("the returned draft's page does not point to the revision form:\n%s", p.Body)
	}
	for _, c := range []*client{officer, other} {
		if p := c.get("/documents/" + id); strings.Contains(p.Body, `/revise"`) {
			t.Errorf("a user who is not the drafter is offered the form")
		}
		if p := c.get("/documents/" + id + "/revise"); p.Status != http.StatusForbidden {
			t.Errorf("GET the form as another user: %d", p.Status)
		}
	}
	form := handler.get("/documents/" + id + "/revise")
	if form.Status != http.StatusOK || !strings.Contains(html.UnescapeString(form.Body), ">Quyết định ban hành quy chế</textarea>") ||
		!strings.Contains(form.Body, `name="version" value="`) || !strings.Contains(form.Body, `name="csrf_token"`) {
		t.Fatalf("the form is not filled in with the draft:\n%s", form.Body)
	}
	d, _ := e.docs.Get(context.Background(), e.users["chuyenvien"], id)
	bad := url.Values{"version": {"0"}, "type": {"XX"}, "subject": {" "}, "signer_id": {e.users["vanthu"].ID}}
	p = handler.postMultipart("/documents/"+id+"/revise", bad, nil)
	if p.Status != http.StatusBadRequest {
		t.Fatalf("invalid post: %d\n%s", p.Status, p.Body)
	}
	for _, in := range []string{"type", "subject", "signer_id"} {
		if !strings.Contains(p.Body, `id="`+in+`" name="`+in+`"`) || !strings.Contains(p.Body, `id="`+in+`-error"`) {
			t.Errorf("no message beside %s", in)
		}
	}
	if after, _ := e.docs.Get(context.Background(), e.users["chuyenvien"], id); after.Version != d.Version {
		t.Fatalf("an invalid post changed the draft")
	}
	same := url.Values{"version": {"0"}, "type": {"QĐ"}, "subject": {"Quyết định ban hành quy chế"}, "signer_id": {e.users["lanhdao"].ID}}
	if p := handler.postMultipart("/documents/"+id+"/revise", same, nil); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "Không có gì thay đổi") {
		t.Fatalf("a post that changes nothing: %d\n%s", p.Status, p.Body)
	}
	newPDF := append([]byte(nil), fakePDF...)
	newPDF = append(newPDF, []byte("% du thao sua\n")...)
	good := url.Values{"version": {"0"}, "type": {"QĐ"}, "subject": {"Quyết định ban hành quy chế (sửa đổi)"}, "signer_id": {e.users["lanhdao"].ID}}
	p = handler.postMultipart("/documents/"+id+"/revise", good, map[string][]byte{"file:du-thao-2.pdf": newPDF})
	if p.Status != http.StatusSeeOther || p.Location != "/documents/"+id+"?ok=revised" {
		t.Fatalf("revise: %d %s\n%s", p.Status, p.Location, p.Body)
	}
	p = handler.get(p.Location)
	body := html.UnescapeString(p.Body)
	for _, want := range []string{"Đã lưu dự thảo đã sửa.", "Quyết định ban hành quy chế (sửa đổi)", `title="Tệp PDF: du-thao-2.pdf"`,
		"bản dự thảo trước, đã thay khi sửa", "Sửa dự thảo: trích yếu, tệp PDF"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page after the revision lacks %q", want)
		}
	}
	if !strings.Contains(body, `id="returned"`) {
		t.Log("the notice of the return stays until the draft is submitted again")
	}
	if p := act(t, handler, id, workflow.Submit, nil); p.Status != http.StatusSeeOther {
		t.Fatalf("submit: %d", p.Status)
	}
	if p := handler.postMultipart("/documents/"+id+"/revise", good, nil); p.Status != http.StatusConflict {
		t.Errorf("revise a submitted draft: %d", p.Status)
	}
}

// noticeOf is the returned-draft notice of a document page.
func noticeOf(body string) string {
	i := strings.Index(body, `id="returned"`)
	if i < 0 {
		return ""
	}
	j := strings.Index(body[i:], "</p>")
	return body[i : i+j]
}

// TestReviseAttachmentsForm: the revision form lists the draft's
// attachments, each with a box "Bỏ", and takes new ones; a box naming
// one the draft no longer has comes back with the message beside the
// boxes, nothing changed; a wrong annex ticked and the right one chosen
// replace it, and the page then lists the old one as removed and the
// history names both.
func TestReviseAttachmentsForm(t *testing.T) {
	e := newTestEnv(t)
	handler, officer := e.login("chuyenvien"), e.login("lanhdao")
	id := e.outgoingThrough(t, handler, officer)
	wrong := append(append([]byte(nil), fakePDF...), "% phu luc sai\n"...)
	right := append(append([]byte(nil), fakePDF...), "% phu luc dung\n"...)
	fields := func(extra ...string) url.Values {
		v := url.Values{"version": {"0"}, "type": {"QĐ"}, "subject": {"Quyết định ban hành quy chế"}, "signer_id": {e.users["lanhdao"].ID}}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Add(extra[i], extra[i+1])
		}
		return v
	}
	if p := handler.postMultipart("/documents/"+id+"/revise", fields(), map[string][]byte{"attachment:phu-luc-sai.pdf": wrong}); p.Status != http.StatusSeeOther {
		t.Fatalf("add an attachment: %d\n%s", p.Status, p.Body)
	}
	d, _ := e.docs.Get(context.Background(), e.users["chuyenvien"], id)
	if len(d.Files) != 2 || d.Files[1].Kind != workflow.FileAttachment {
		t.Fatalf("files %+v", d.Files)
	}
	sha := d.Files[1].SHA256
	form := handler.get("/documents/" + id + "/revise")
	for _, want := range []string{`name="remove_attachments" value="` + sha + `"`, `>Bỏ<span class="visually-hidden"> phụ lục “phu-luc-sai.pdf”`,
		`id="attachment" name="attachment"`} {
		if !strings.Contains(html.UnescapeString(form.Body), want) {
			t.Errorf("the form lacks %q", want)
		}
	}
	p := handler.postMultipart("/documents/"+id+"/revise", fields("remove_attachments", strings.Repeat("0", 64)), nil)
	if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, `id="remove_attachments-error"`) || !strings.Contains(p.Body, `data-invalid="true" aria-describedby="remove_attachments-error"`) {
		t.Fatalf("removing one not there: %d\n%s", p.Status, p.Body)
	}
	if after, _ := e.docs.Get(context.Background(), e.users["chuyenvien"], id); after.Version != d.Version {
		t.Fatalf("an invalid post changed the draft")
	}
	p = handler.postMultipart("/documents/"+id+"/revise", fields("remove_attachments", sha), map[string][]byte{"attachment:phu-luc-dung.pdf": right})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("replace the attachment: %d\n%s", p.Status, p.Body)
	}
	body := html.UnescapeString(handler.get(p.Location).Body)
	for _, want := range []string{">phu-luc-sai.pdf</a> · phụ lục đã bỏ khi sửa dự thảo", ">phu-luc-dung.pdf</a> · phụ lục ·",
		"Sửa dự thảo: phụ lục; thêm phụ lục “phu-luc-dung.pdf”; bỏ phụ lục “phu-luc-sai.pdf”"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page after the revision lacks %q", want)
		}
	}
}
