package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/workflow"
)

// TestRevisionKeepsOrResetsTheLayout: a layout the drafter set by hand
// stays when the draft's new PDF still has room for it (the same pages),
// and no notice is shown; when the new PDF has not the page of the
// signature box, the layout is found again in the new PDF and the
// document page tells the drafter (not another handler) why, with the
// way to the layout page, until the layout is set again.
func TestRevisionKeepsOrResetsTheLayout(t *testing.T) {
	e := newTestEnv(t)
	e.docs.Inspector = &signing.Service{} // reads the pages (PageSizes), finds and checks layouts
	ctx := context.Background()
	h := e.login("chuyenvien")
	hu := e.users["chuyenvien"]
	h.get("/outgoing/new")
	f := url.Values{"type": {"QĐ"}, "subject": {"Quyết định có bố cục đặt tay"}, "signer_id": {e.users["lanhdao"].ID}}
	id := docIDFrom(t, h.postMultipart("/outgoing/new", f, map[string][]byte{"file": testpdf.Make(2, "layout")}))
	f.Set("version", "0")
	manual := &workflow.Layout{Signature: &workflow.Box{Page: 2, X: 320, Y: 420, W: 170, H: 70}}
	if _, err := e.docs.SetLayout(ctx, hu, id, 0, manual); err != nil {
		t.Fatal(err)
	}
	revise := func(pdf []byte) string {
		t.Helper()
		p := h.postMultipart("/documents/"+id+"/revise", f, map[string][]byte{"file:du-thao-2.pdf": pdf})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("revise: %d\n%s", p.Status, p.Body)
		}
		return html.UnescapeString(h.get("/documents/" + id).Body)
	}
	body := revise(testpdf.Make(2, "layout sua lan 1"))
	if d, _ := e.docs.Get(ctx, hu, id); d.Layout == nil || d.Layout.Source != workflow.LayoutManual || *d.Layout.Signature != *manual.Signature {
		t.Errorf("the hand-set layout was not kept for a PDF with the same pages: %+v", d.Layout)
	}
	if strings.Contains(body, `id="layout-reset"`) {
		t.Errorf("a kept layout is said to be reset")
	}
	body = revise(testpdf.Make(1, "layout sua lan 2"))
	if d, _ := e.docs.Get(ctx, hu, id); d.Layout != nil && d.Layout.Source == workflow.LayoutManual {
		t.Errorf("the hand-set layout was kept on a PDF without its page: %+v", d.Layout)
	}
	for _, want := range []string{"Vị trí số, ngày tháng, chữ ký đã đặt bằng tay không còn hợp với tệp PDF mới",
		"ô “Chữ ký, dấu” ở trang 2, nhưng tệp mới chỉ có 1 trang", `href="/documents/` + id + `/layout">Xem và chỉnh lại vị trí`} {
		if !strings.Contains(body, want) {
			t.Errorf("the page after the reset lacks %q", want)
		}
	}
	if o := e.login("chuyenvien2").get("/documents/" + id).Body; strings.Contains(o, `id="layout-reset"`) {
		t.Errorf("the notice is shown to another handler, who may not set the layout")
	}
	if _, err := e.docs.SetLayout(ctx, hu, id, 0, &workflow.Layout{Signature: &workflow.Box{Page: 1, X: 320, Y: 420, W: 170, H: 70}}); err != nil {
		t.Fatal(err)
	}
	if body := h.get("/documents/" + id).Body; strings.Contains(body, `id="layout-reset"`) {
		t.Errorf("the notice stays after the layout was set again")
	}
}
