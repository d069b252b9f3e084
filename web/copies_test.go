package web

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// TestCopyPage: the clerk finds Sao văn bản on a registered letter's
// page (a handler does not; nor before registration); its page makes a
// sao y for someone (it offers Sao y and Trích sao of the paper letter;
// a sao lục of it and no "for whom" come back with the problem at the
// input), lists the copy with its number,
// form, for whom and who, the letter's history says it, and the copy downloads as its signed PDF under
// a Vietnamese name; the registers' page links the register of copies
// (clerks, admins), which lists it, and its CSV, with a number voided by
// a failed copy marked as such. Before, a copy was made by printing the
// PDF.
func TestCopyPage(t *testing.T) {
	e := newTestEnv(t)
	e.docs.Signer = workflowtest.Signer{}
	clerk, handler := e.login("vanthu"), e.login("chuyenvien")
	id := e.newIncoming(clerk, "Về việc cấp bản sao", nil)
	if strings.Contains(clerk.get("/documents/"+id).Body, `id="copy"`) {
		t.Error("Sao văn bản offered before the letter is registered")
	}
	if _, err := e.docs.Apply(t.Context(), e.users["vanthu"], id, workflow.Register, workflow.ActionInput{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(clerk.get("/documents/"+id).Body, `href="/documents/`+id+`/copies">Sao văn bản</a>`) {
		t.Fatal("the clerk is not offered Sao văn bản")
	}
	if p := handler.get("/documents/" + id); strings.Contains(p.Body, `id="copy"`) {
		t.Error("a handler is offered Sao văn bản")
	}
	if p := handler.get("/documents/" + id + "/copies"); strings.Contains(p.Body, `id="copy-form"`) {
		t.Error("a handler is shown the copy form")
	}
	page := clerk.get("/documents/" + id + "/copies")
	if !strings.Contains(page.Body, `<option value="SY" selected>Sao y</option>`) || !strings.Contains(page.Body, `<option value="TS">Trích sao</option>`) ||
		!strings.Contains(page.Body, `<label for="pages">Trang trích sao</label>`) || strings.Contains(page.Body, `value="SL"`) {
		t.Errorf("the form's forms for a paper letter (Sao y, Trích sao):\n%s", page.Body)
	}
	for _, tc := range []struct{ form, who, input, text string }{
		{"SL", "Tòa án", "form", "được sao y hoặc trích sao (bản chụp, hoặc các trang của bản chụp, có chữ ký số của cơ quan), không sao lục"},
		{"SY", " ", "requested_for", "Hãy ghi sao cho ai"},
	} {
		p := clerk.post("/documents/"+id+"/copies", url.Values{"form": {tc.form}, "requested_for": {tc.who}})
		if p.Status != 400 || !strings.Contains(p.Body, `id="`+tc.input+`" name="`+tc.input+`"`) || !strings.Contains(p.Body, `aria-invalid="true"`) ||
			!strings.Contains(p.Body, tc.text) {
			t.Errorf("%s for %q: %d, want 400 with %s marked, saying %q\n%s", tc.form, tc.who, p.Status, tc.input, tc.text, p.Body)
		}
	}
	p := clerk.post("/documents/"+id+"/copies", url.Values{"form": {"SY"}, "requested_for": {"Ông Nguyễn Văn A, theo đơn ngày 01/12/2026"}})
	if p.Status != 303 || !strings.HasPrefix(p.Location, "/documents/"+id+"/copies?made=01/SY-UBND") {
		t.Fatalf("make a copy: %d %q", p.Status, p.Location)
	}
	page = clerk.get(p.Location)
	for _, want := range []string{"Đã sao văn bản: bản sao số 01/SY-UBND.", "<td class=\"doc-number\">01/SY-UBND</td><td>Sao y</td><td>Ông Nguyễn Văn A, theo đơn ngày 01/12/2026</td><td>Nguyễn Thị Văn Thư, "} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the page after the copy lacks %q", want)
		}
	}
	if !strings.Contains(clerk.get("/documents/"+id).Body, "Sao văn bản (sao y), bản sao số 01/SY-UBND, sao cho: Ông Nguyễn Văn A, theo đơn ngày 01/12/2026") {
		t.Error("the letter's history does not say it was copied")
	}
	cs, _ := e.repo.CopiesOf(t.Context(), id)
	if len(cs) != 1 {
		t.Fatalf("%d copies stored", len(cs))
	}
	f := handler.get("/copies/" + cs[0].ID + "/file?download=1")
	if f.Status != 200 || f.Header.Get("Content-Type") != "application/pdf" || !strings.HasSuffix(f.Body, "%C 01/SY-UBND\n") ||
		!strings.Contains(f.Header.Get("Content-Disposition"), "attachment; filename=\"Ban sao y 01-SY-UBND - ") {
		t.Errorf("the copy's file: %d %v", f.Status, f.Header)
	}
	regs := clerk.get("/registers").Body
	if !strings.Contains(regs, `<a href="/registers/copies/2026">2026</a>`) {
		t.Error("the registers' page does not list the register of copies")
	}
	if strings.Contains(e.login("lanhdao").get("/registers").Body, "copy-registers") {
		t.Error("an official is shown the register of copies")
	}
	reg := clerk.get("/registers/copies/2026")
	if reg.Status != 200 || !strings.Contains(reg.Body, `<td class="doc-number">01/SY-UBND</td><td>25/11/2026</td><td>Sao y</td>`) {
		t.Errorf("the register of copies: %d\n%s", reg.Status, reg.Body)
	}
	csv := clerk.get("/registers/copies/2026/csv")
	if csv.Status != 200 || !strings.Contains(csv.Body, "1,01/SY-UBND,25/11/2026,Sao y,") || !strings.Contains(csv.Body, "Ông Nguyễn Văn A, theo đơn ngày 01/12/2026") {
		t.Errorf("the register's CSV: %d\n%s", csv.Status, csv.Body)
	}
	voidCopyNumber(t, e, id, 2)
	reg = clerk.get("/registers/copies/2026")
	if !strings.Contains(reg.Body, `<tr class="number-voided" id="so-2"><td class="doc-number">02/SY-UBND</td>`) ||
		!strings.Contains(reg.Body, "<td>Số đã hủy, không cấp lại: the agency key is out</td>") {
		t.Errorf("the register of copies does not show number 2 voided:\n%s", reg.Body)
	}
	if csv := clerk.get("/registers/copies/2026/csv"); !strings.Contains(csv.Body, "Số đã hủy, không cấp lại: the agency key is out") {
		t.Errorf("the register's CSV does not show number 2 voided:\n%s", csv.Body)
	}
	if p := handler.get("/registers/copies/2026"); p.Status != 403 {
		t.Errorf("a handler reads the register of copies: %d", p.Status)
	}
}

// voidCopyNumber records number n of the register of copies 2026 as
// voided by a failed copy of document id (its reservation, keyed as
// workflow.MakeCopy keys it: the original, "/copy/", the copy).
func voidCopyNumber(t *testing.T, e *testEnv, id string, n int) {
	t.Helper()
	at := time.Date(2026, 11, 25, 9, 0, 0, 0, workflow.Vietnam)
	err := e.repo.Atomic(t.Context(), func(ctx context.Context, tx workflow.Tx) error {
		r := &workflow.Reservation{ID: "r-void", Register: workflow.RegisterCopies, Year: 2026, Number: n,
			Notation: fmt.Sprintf("%02d/SY-UBND", n), DocumentID: id + "/copy/c-failed", Actor: e.users["vanthu"].ID,
			State: workflow.NumberReserved, CreatedAt: at}
		if err := tx.CreateReservation(ctx, r); err != nil {
			return err
		}
		return tx.VoidReservation(ctx, r.ID, "the agency key is out", at)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestCopyPageTrichSao: for a letter received over the exchange (an
// electronic original) the form offers Trích sao and asks for its pages
// ("Trang trích sao"); a page the letter does not have, pages out of
// order and pages for a sao y come back in Vietnamese at that input,
// taking no number; a trích sao of pages 1,3-4 is listed, in the history
// and in the register of copies with its pages.
func TestCopyPageTrichSao(t *testing.T) {
	e := newTestEnv(t)
	e.docs.Signer = workflowtest.Signer{}
	clerk := e.login("vanthu")
	id := e.newIncoming(clerk, "Về việc cấp bản trích sao", nil)
	if _, err := e.docs.Apply(t.Context(), e.users["vanthu"], id, workflow.Register, workflow.ActionInput{}); err != nil {
		t.Fatal(err)
	}
	if err := workflowtest.MarkExchanged(t.Context(), e.repo, id, "000.00.00.H13,2026/11/20,125/UBND-VP"); err != nil {
		t.Fatal(err)
	}
	page := clerk.get("/documents/" + id + "/copies")
	if !strings.Contains(page.Body, `<option value="TS">Trích sao</option>`) || !strings.Contains(page.Body, `<label for="pages">Trang trích sao</label>`) {
		t.Fatalf("the form offers no trích sao:\n%s", page.Body)
	}
	for _, tc := range []struct{ form, pages, want string }{
		{"TS", "1,7", "Trang 7 không có: văn bản có 4 trang."},
		{"TS", "3,1", "Hãy ghi các trang trích sao theo thứ tự tăng dần, mỗi trang một lần, ví dụ: 1,3-4."},
		{"TS", "", "Hãy ghi các trang trích sao theo thứ tự tăng dần, mỗi trang một lần, ví dụ: 1,3-4."},
		{"SY", "2", "Chỉ ghi trang trích sao khi trích sao: sao y, sao lục sao cả văn bản."},
	} {
		p := clerk.post("/documents/"+id+"/copies", url.Values{"form": {tc.form}, "requested_for": {"Tòa án"}, "pages": {tc.pages}})
		if p.Status != 400 || !strings.Contains(p.Body, tc.want) || !strings.Contains(p.Body, `id="pages" name="pages"`) ||
			!strings.Contains(p.Body, `value="`+tc.pages+`"  aria-invalid="true" aria-describedby="pages-error pages-hint"`) {
			t.Errorf("%s of %q: %d, want 400 saying %q at the pages\n%s", tc.form, tc.pages, p.Status, tc.want, p.Body)
		}
	}
	p := clerk.post("/documents/"+id+"/copies", url.Values{"form": {"TS"}, "requested_for": {"Tòa án quận"}, "pages": {"1,3-4"}})
	if p.Status != 303 || !strings.HasPrefix(p.Location, "/documents/"+id+"/copies?made=01/TS-UBND") {
		t.Fatalf("make a trích sao: %d %q", p.Status, p.Location)
	}
	if page := clerk.get(p.Location); !strings.Contains(page.Body, "<td class=\"doc-number\">01/TS-UBND</td><td>Trích sao (trang 1,3-4)</td>") {
		t.Errorf("the copies' list:\n%s", page.Body)
	}
	if !strings.Contains(clerk.get("/documents/"+id).Body, "Sao văn bản (trích sao trang 1,3-4), bản sao số 01/TS-UBND, sao cho: Tòa án quận") {
		t.Error("the letter's history does not say which pages were copied")
	}
	if reg := clerk.get("/registers/copies/2026"); !strings.Contains(reg.Body, "<td>Trích sao (trang 1,3-4)</td>") {
		t.Errorf("the register of copies:\n%s", reg.Body)
	}
}
