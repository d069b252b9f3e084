package web

import (
	"bytes"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// TestListSourceKeptAcrossPages: Nguồn on the incoming list lists the
// documents received over the exchange (Liên thông) or registered by
// hand (Đăng ký thủ công); the choice stays chosen on the form and in
// the pager's link, so the next page is of the same source; a source
// that is none of them is a 400 saying so.
func TestListSourceKeptAcrossPages(t *testing.T) {
	e := newTestEnv(t)
	clerk := e.login("vanthu")
	day := workflow.NewDate(2026, 11, 20)
	for i := range listPageSize + 3 {
		_, _, err := e.docs.Receive(t.Context(), workflow.ReceiveInput{ExternalID: fmt.Sprintf("ext-src-%d", i), CreateInput: workflow.CreateInput{
			Type: "CV", Subject: fmt.Sprintf("Liên thông số %03d", i), Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Public,
			OriginalNumber: fmt.Sprintf("%d/UBND-VP", i+1), OriginalDate: &day, Sender: &workflow.Org{OrgID: "000.00.00.H13", Name: "UBND thành phố Cần Thơ"},
			File: &workflow.Upload{Name: "cv.pdf", Size: int64(len(fakePDF)), Content: bytes.NewReader(fakePDF)}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := range 4 {
		e.newIncoming(clerk, fmt.Sprintf("Giấy số %03d", i), nil)
	}
	selected := `<option value="exchange" selected>Liên thông</option>`
	p := clerk.get("/incoming?source=exchange")
	if n := strings.Count(p.Body, ">Liên thông số "); n != listPageSize || strings.Contains(p.Body, "Giấy số") || !strings.Contains(p.Body, selected) {
		t.Fatalf("first page: %d received over the exchange, a paper one: %v, Liên thông chosen: %v",
			n, strings.Contains(p.Body, "Giấy số"), strings.Contains(p.Body, selected))
	}
	m := regexp.MustCompile(`href="(/incoming\?[^"]+)">Trang sau`).FindStringSubmatch(p.Body)
	if m == nil || !strings.Contains(m[1], "source=exchange") {
		t.Fatalf("next page link %v does not keep the source", m)
	}
	p2 := clerk.get(strings.ReplaceAll(m[1], "&amp;", "&"))
	if n := strings.Count(p2.Body, ">Liên thông số "); n != 3 || strings.Contains(p2.Body, "Giấy số") || !strings.Contains(p2.Body, selected) {
		t.Errorf("second page: %d received over the exchange, want 3 and no paper one, Liên thông chosen", n)
	}
	for _, l := range regexp.MustCompile(`href="(/incoming\?[^"]+)">« Trang đầu`).FindAllStringSubmatch(p2.Body, -1) {
		if !strings.Contains(l[1], "source=exchange") {
			t.Errorf("first page link %s drops the source", l[1])
		}
	}
	p = clerk.get("/incoming?source=manual")
	if n := strings.Count(p.Body, ">Giấy số "); n != 4 || strings.Contains(p.Body, "Liên thông số") || !strings.Contains(p.Body, `<option value="manual" selected>Đăng ký thủ công</option>`) {
		t.Errorf("source=manual: %d registered by hand, want 4 and none received over the exchange", n)
	}
	if p := clerk.get("/incoming?source=paper"); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, badSourceFilter) {
		t.Errorf("source=paper: %d", p.Status)
	}
	if p := clerk.get("/outgoing"); strings.Contains(p.Body, `name="source"`) {
		t.Errorf("the outgoing list offers Nguồn")
	}
}
